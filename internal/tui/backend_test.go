package tui

import "github.com/rtagent/rtagent/internal/session"

// The engine is the Backend the lead wires in.
var _ Backend = (*session.Session)(nil)
