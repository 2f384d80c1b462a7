package agent

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// An endless or special file is refused before it is read (issue 11 item 1):
// before, Load("/dev/zero") read until the out-of-memory killer stopped it.
func TestLoadRefusesNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "agents.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for path, kind := range map[string]string{
		"/dev/zero":    "a character device",
		"/dev/urandom": "a character device",
		fifo:           "a named pipe", // no writer: the open must not block either
		dir:            "a directory",
	} {
		_, err := Load(path, testOptions())
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("Load(%s) = %v, want ErrNotRegular", path, err)
			continue
		}
		want := "agents file: read " + path + ": not a regular file (" + kind + ")"
		if err.Error() != want {
			t.Errorf("Load(%s):\n got %q\nwant %q", path, err, want)
		}
	}
}

func TestLoadRefusesOversizedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agents.yaml")
	// A valid file padded with a comment to one byte over the limit.
	head := "agents: [{name: a, instructions: hi}]\n#"
	if err := os.WriteFile(path, []byte(head+strings.Repeat("x", MaxFileSize+1-len(head))), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, testOptions())
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Load = %v, want ErrTooLarge", err)
	}
	if want := "agents file: read " + path + ": file too large (4.0 MiB; the limit is 4 MiB)"; err.Error() != want {
		t.Errorf("\n got %q\nwant %q", err, want)
	}
	// Exactly at the limit is fine.
	if err := os.Truncate(path, MaxFileSize); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, testOptions()); err != nil {
		t.Errorf("a file of exactly MaxFileSize: %v", err)
	}
}

func TestInstructionsFileBounded(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.md")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		"/dev/zero": `agents[0].instructions_file: cannot read "/dev/zero": not a regular file (a character device)`,
		"big.md":    `agents[0].instructions_file: cannot read "big.md": file too large (4.0 MiB; the limit is 4 MiB)`,
		".":         `agents[0].instructions_file: cannot read ".": not a regular file (a directory)`,
	} {
		_, err := Parse([]byte("agents: [{name: a, instructions_file: "+file+"}]\n"), filepath.Join(dir, "agents.yaml"), testOptions())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("instructions_file %s: got %v, want it to contain %q", file, err, want)
		}
	}
}
