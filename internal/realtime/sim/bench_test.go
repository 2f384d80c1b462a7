package sim

import "testing"

// BenchmarkTextTurn measures one text turn round trip in fast mode over loopback:
// conversation.item.create + response.create → … → rate_limits.updated.
func BenchmarkTextTurn(b *testing.B) {
	_, url := startSim(b, Options{})
	var c *client
	connect := func() {
		c = dial(b, url)
		c.send(textSession(c, nil))
		c.until("session.updated")
	}
	connect()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i > 0 && i%500 == 0 { // keep the conversation (and the recorded frames) small
			b.StopTimer()
			c.ws.CloseNow()
			connect()
			b.StartTimer()
		}
		c.send(userMsg(c, "hello there"))
		c.send(c.ev("response.create"))
		c.turn()
		c.server, c.sent = c.server[:0], c.sent[:0]
	}
}
