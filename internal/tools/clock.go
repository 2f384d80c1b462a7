package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
	_ "time/tzdata" // IANA names must work where the system has no zoneinfo
)

// clockTool tells the current date, time, weekday and time zone.
type clockTool struct {
	def Definition
	now func() time.Time // nil: time.Now; tests pin it
}

// clockOutput is the clock's JSON output.
type clockOutput struct {
	Date      string `json:"date"`     // 2006-01-02
	Time      string `json:"time"`     // 15:04:05
	Weekday   string `json:"weekday"`  // Monday
	Timezone  string `json:"timezone"` // IANA name, or the zone abbreviation for the local zone
	UTCOffset string `json:"utc_offset"`
	ISO       string `json:"iso"` // RFC 3339
}

func (t *clockTool) Definition() Definition { return t.def }

func (t *clockTool) Call(_ context.Context, arguments json.RawMessage) (string, error) {
	var args struct {
		Timezone string `json:"timezone"`
	}
	if err := decodeArguments(arguments, &args); err != nil {
		return "", err
	}
	loc := time.Local
	if args.Timezone != "" {
		l, err := time.LoadLocation(args.Timezone)
		if err != nil || args.Timezone == "Local" {
			return "", fmt.Errorf("unknown time zone %q: use an IANA name such as Europe/Paris", args.Timezone)
		}
		loc = l
	}
	now := time.Now
	if t.now != nil {
		now = t.now
	}
	n := now().In(loc)
	zone := loc.String()
	if loc == time.Local {
		zone, _ = n.Zone()
	}
	return SerializeOutput(clockOutput{
		Date:      n.Format("2006-01-02"),
		Time:      n.Format("15:04:05"),
		Weekday:   n.Weekday().String(),
		Timezone:  zone,
		UTCOffset: n.Format("-07:00"),
		ISO:       n.Format(time.RFC3339),
	}), nil
}
