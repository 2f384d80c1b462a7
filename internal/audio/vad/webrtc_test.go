package vad

import (
	"debug/elf"
	"errors"
	"os"
	"strings"
	"testing"
)

// Without WebRTC's library the detector and the barge-in fail with an error that
// names the library and the Debian package (and says why dlopen failed), and keep
// failing the same way; with it back, detectors work again. The library is loaded
// on first use only: nothing in the binary links it.
func TestMissingLibrary(t *testing.T) {
	const missing = "librtagent_no_such_webrtc.so.1"
	restore := UseLibrary(missing)
	for range 2 { // loaded once: the second attempt reports the first result
		if d, err := NewDetector(Options{}); err == nil {
			d.Close()
			t.Fatal("NewDetector without the library succeeded")
		} else {
			checkMissing(t, err, missing)
			t.Log(err)
		}
		if b, err := NewBargeIn(BargeInConfig{}); err == nil {
			b.Close()
			t.Fatal("NewBargeIn without the library succeeded")
		} else {
			checkMissing(t, err, missing)
		}
	}
	restore()
	d, err := NewDetector(Options{})
	if err != nil {
		t.Fatalf("with %s restored: %v", LibraryName, err)
	}
	d.Close()
}

func checkMissing(t *testing.T, err error, name string) {
	t.Helper()
	if !errors.Is(err, ErrNoLibrary) {
		t.Errorf("error %q does not wrap ErrNoLibrary", err)
	}
	for _, want := range []string{name, LibraryPackage, "cannot open shared object file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// A library that loads but lacks the VAD's functions is refused with dlsym's
// reason, naming the missing symbol.
func TestLibraryWithoutVAD(t *testing.T) {
	l := &library{name: "libm.so.6"}
	_, err := l.load()
	if err == nil || !errors.Is(err, ErrNoLibrary) || !strings.Contains(err.Error(), "WebRtcVad_Create") {
		t.Errorf("libm.so.6 as the VAD library: %v, want an ErrNoLibrary naming WebRtcVad_Create", err)
	}
}

// Nothing links WebRTC's library or the C++ runtime: a binary with this package
// starts without them (the dlopen happens when a detector is created).
func TestNotLinked(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range libs {
		if strings.HasPrefix(l, "libwebrtc") || strings.HasPrefix(l, "libstdc++") {
			t.Errorf("%s links %s (DT_NEEDED %q)", exe, l, libs)
		}
	}
}
