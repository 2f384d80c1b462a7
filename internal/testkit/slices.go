package testkit

// OfType returns the elements of xs that are a T, in order: the events or
// commands of one kind out of a recording.
func OfType[T, S any](xs []S) []T {
	var out []T
	for _, x := range xs {
		if v, ok := any(x).(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// FirstNonZero is the index of the first non-zero sample of s, -1 if none.
func FirstNonZero(s []int16) int {
	for i, v := range s {
		if v != 0 {
			return i
		}
	}
	return -1
}

// LastNonZero is the index of the last non-zero sample of s, -1 if none.
func LastNonZero(s []int16) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] != 0 {
			return i
		}
	}
	return -1
}
