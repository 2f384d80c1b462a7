//go:build !unix

package audio

func quietStderr(f func()) string { f(); return "" }
