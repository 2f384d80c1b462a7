package agent

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// MaxFileSize bounds the agents file and every instructions_file: a real
// configuration is a few KiB, and an endless or huge input (/dev/zero, a log
// file named by mistake) must fail with a clear message instead of taking
// all memory.
const MaxFileSize = 4 << 20 // 4 MiB

// ErrNotRegular is wrapped by the error for a path that is not a regular
// file (a device, FIFO, socket or directory).
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by the error for a file larger than MaxFileSize.
var ErrTooLarge = errors.New("file too large")

// readBounded reads a regular file of at most MaxFileSize bytes. Devices,
// FIFOs, sockets and directories are refused before they are read: a FIFO
// is opened non-blocking so that a missing writer cannot hang the open, and
// the type is checked again on the open file so a path swapped in between
// is caught too. The read itself stops at MaxFileSize+1 bytes, so a file
// that grows while it is read fails as too large as well.
func readBounded(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(path, st); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := checkRegular(path, st); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, tooLarge(path, -1) // grew while read
	}
	return data, nil
}

func checkRegular(path string, st fs.FileInfo) error {
	if st.Mode().IsRegular() {
		if st.Size() > MaxFileSize {
			return tooLarge(path, st.Size())
		}
		return nil
	}
	return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, kindOf(st.Mode()))}
}

// tooLarge reports a file over the limit; size < 0 when it is unknown.
func tooLarge(path string, size int64) error {
	what := fmt.Sprintf("more than %d MiB", MaxFileSize>>20)
	if size >= 0 {
		what = fmt.Sprintf("%.1f MiB", float64(size)/(1<<20))
	}
	return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w (%s; the limit is %d MiB)", ErrTooLarge, what, MaxFileSize>>20)}
}

// kindOf names the type of a non-regular file.
func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	default:
		return "not a regular file"
	}
}
