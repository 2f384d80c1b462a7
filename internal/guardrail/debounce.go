package guardrail

import (
	"strings"
	"sync"
	"unicode/utf8"
)

// DefaultDebounceLength is N, the characters between output guardrail checks (R10.2).
const DefaultDebounceLength = 100

// Debouncer accumulates streamed text per key (an item id) and says when a guardrail
// check is due (R10.2): after k checks, when the text's length first reaches (k+1)·N
// characters (runes), i.e. at ≥100, ≥200, ≥300 … for N = 100; and once more at the end
// when the text grew since the last check. It is safe for concurrent use.
type Debouncer struct {
	n     int
	mu    sync.Mutex
	items map[string]*debounced
}

type debounced struct {
	text       strings.Builder
	runes      int
	checks     int
	checkedLen int // rune length at the last check
}

// NewDebouncer returns a Debouncer checking every n characters. n ≤ 0 means final text
// only: Add never asks for a check, Final does.
func NewDebouncer(n int) *Debouncer {
	return &Debouncer{n: n, items: make(map[string]*debounced)}
}

func (d *Debouncer) item(key string) *debounced {
	it, ok := d.items[key]
	if !ok {
		it = &debounced{}
		d.items[key] = it
	}
	return it
}

// Add appends delta to key's text and returns the full accumulated text and whether a
// check of it is due now.
func (d *Debouncer) Add(key, delta string) (text string, check bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	it := d.item(key)
	it.text.WriteString(delta)
	it.runes += utf8.RuneCountInString(delta)
	if d.n > 0 && it.runes >= (it.checks+1)*d.n {
		it.checks++
		it.checkedLen = it.runes
		check = true
	}
	// A Builder's String shares its buffer, and later writes never change bytes
	// already written, so the returned text stays valid.
	return it.text.String(), check
}

// Final records fullText, the authoritative final text of key (from the .done event),
// and reports whether a last check is due: the text is non-empty and grew since the
// last check.
func (d *Debouncer) Final(key, fullText string) (text string, check bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	it := d.item(key)
	it.text.Reset()
	it.text.WriteString(fullText)
	it.runes = utf8.RuneCountInString(fullText)
	if it.runes > it.checkedLen {
		it.checks++
		it.checkedLen = it.runes
		check = true
	}
	return it.text.String(), check
}

// Reset forgets key (R10.6).
func (d *Debouncer) Reset(key string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.items, key)
}
