package agent

import (
	"fmt"
	"unicode/utf8"
)

// maxByteErrors bounds the problems reported for bad bytes; a binary file
// named by mistake would otherwise print thousands of lines.
const maxByteErrors = 10

// checkBytes reports, with file:line:column, every byte sequence YAML does
// not allow in a file: invalid UTF-8 and the control characters outside
// YAML's printable set (C0 other than tab, newline and carriage return, DEL,
// C1 other than NEL, U+FFFE and U+FFFF). yaml.v3 reports these without a
// position; the check runs before it. Columns count characters, as the YAML
// parser's do. A file with a UTF-16 byte order mark is left to the parser.
func checkBytes(file string, data []byte) Errors {
	if len(data) >= 2 && (data[0] == 0xFE && data[1] == 0xFF || data[0] == 0xFF && data[1] == 0xFE) {
		return nil
	}
	var errs Errors
	line, col, more := 1, 1, 0
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		var msg string
		switch {
		case r == utf8.RuneError && size <= 1:
			msg = fmt.Sprintf("invalid UTF-8 byte 0x%02X; the file must be UTF-8 text", data[i])
		case r == '\n':
			line, col = line+1, 1
			i += size
			continue
		case !yamlPrintable(r):
			msg = fmt.Sprintf("control character U+%04X is not allowed in YAML; to include it in a value, write it as \"\\u%04X\" in a double-quoted string", r, r)
		}
		if msg != "" {
			if len(errs) < maxByteErrors {
				errs = append(errs, &ValidationError{File: file, Line: line, Column: col, Msg: msg})
			} else {
				more++
			}
		}
		i += size
		col++
	}
	if more > 0 {
		errs = append(errs, &ValidationError{File: file, Line: line, Msg: fmt.Sprintf("%d more invalid characters not listed", more)})
	}
	return errs
}

// yamlPrintable reports whether r is in YAML 1.2's c-printable set
// (https://yaml.org/spec/1.2.2/#51-character-set), newline aside.
func yamlPrintable(r rune) bool {
	switch {
	case r == '\t' || r == '\r' || r == 0x85:
		return true
	case r < 0x20 || r == 0x7F:
		return false
	case r >= 0x80 && r <= 0x9F:
		return false
	case r == 0xFFFE || r == 0xFFFF:
		return false
	}
	return true
}
