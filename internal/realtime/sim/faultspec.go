package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FaultSpecHelp describes the fault spec accepted by ApplyFaultSpec, for flag help.
const FaultSpecHelp = `comma-separated faults, e.g. "drop=40,conns=1" or "random=7,kind=close,code=1011":
  drop=N          drop TCP after the N-th server event (no close frame: 1006)
  close=N         close after the N-th event with code= (default 1011) and reason=
  stall=N         stop sending (events and pings) after the N-th event
  stop-reading=N  stop reading client frames after the N-th event
  error=N         send a server_error event after the N-th event
  malformed=N     send a frame that is not JSON after the N-th event
  random=SEED     one fault per connection at a seeded random event in between=MIN-MAX
                  (default 3-60), of kind=drop|close|stall|stop-reading (default drop)
  conns=N         apply the faults to the first N connections only (0: all)
  delay=DURATION  wait before every server event
  expire=DURATION session lifetime: expires_at and the 1001 close (default 60m)`

// ApplyFaultSpec parses a fault spec (see FaultSpecHelp) into o. An empty spec
// changes nothing. Errors name the offending key.
func (o *Options) ApplyFaultSpec(spec string) error {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil
	}
	f := &o.Faults
	for _, part := range strings.Split(spec, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || val == "" {
			return fmt.Errorf("fault %q: want key=value", part)
		}
		var err error
		switch key {
		case "drop":
			f.DropAfterEvents, err = positive(val)
		case "close":
			f.CloseAfterEvents, err = positive(val)
		case "code":
			f.CloseCode, err = closeCode(val)
		case "reason":
			f.CloseReason = val
		case "stall":
			f.StallAfterEvents, err = positive(val)
		case "stop-reading":
			f.StopReadingAfterEvents, err = positive(val)
		case "error":
			f.ErrorAfterEvents, err = positive(val)
		case "malformed":
			f.MalformedAfterEvents, err = positive(val)
		case "random":
			f.RandomSeed, err = strconv.ParseInt(val, 10, 64)
			if err == nil && f.RandomSeed == 0 {
				err = fmt.Errorf("the seed must not be 0")
			}
		case "between":
			lo, hi, found := strings.Cut(val, "-")
			if !found {
				err = fmt.Errorf("want MIN-MAX")
				break
			}
			if f.RandomMin, err = positive(lo); err == nil {
				f.RandomMax, err = positive(hi)
			}
			if err == nil && f.RandomMax < f.RandomMin {
				err = fmt.Errorf("MAX is below MIN")
			}
		case "kind":
			switch k := FaultKind(val); k {
			case FaultDrop, FaultClose, FaultStall, FaultStopReading:
				f.RandomFault = k
			default:
				err = fmt.Errorf("want drop, close, stall or stop-reading")
			}
		case "conns":
			f.Connections, err = strconv.Atoi(val)
			if err == nil && f.Connections < 0 {
				err = fmt.Errorf("must not be negative")
			}
		case "delay":
			f.Delay, err = duration(val)
		case "expire":
			o.MaxDuration, err = duration(val)
		default:
			return fmt.Errorf("fault %q: unknown key %q", part, key)
		}
		if err != nil {
			return fmt.Errorf("fault %s=%s: %w", key, val, err)
		}
	}
	return nil
}

func positive(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("want a whole number of events from 1")
	}
	return n, nil
}

func closeCode(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1000 || n > 4999 || n == 1005 || n == 1006 || n == 1015 {
		return 0, fmt.Errorf("want a close code that can be sent (1000-4999, not 1005, 1006 or 1015)")
	}
	return n, nil
}

func duration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want a positive duration like 90s or 3m")
	}
	return d, nil
}
