package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rtagent/rtagent/internal/realtime"
)

// Send turns one command into client events on the ordered writer (see
// realtime/commands.go). Response triggers go through the sequencer (§6).
func (m *Model) Send(ctx context.Context, cmd realtime.Command) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.st.connected || m.st.closing || m.st.done {
		return ErrClosed
	}
	switch c := cmd.(type) {
	case realtime.Reconnect:
		return m.recycleLocked(c.Reason)
	case realtime.Replay:
		return m.replayLocked(c)
	case realtime.UpdateSession:
		m.rc.settings = c.Settings // what a new connection is configured with (R14.4)
	}
	if m.rc.phase != phaseLive {
		m.holdLocked(cmd)
		return nil
	}
	return m.sendLocked(cmd)
}

// sendLocked turns one command into client events on the current connection.
func (m *Model) sendLocked(cmd realtime.Command) error {
	switch c := cmd.(type) {
	case realtime.UpdateSession:
		_, err := m.sessionUpdateLocked(c.Settings)
		return err

	case realtime.AppendAudio:
		if len(c.Audio) == 0 {
			return errors.New("openai: AppendAudio without audio")
		}
		if !m.ln.out.Push(appendFrame(c.Audio)) { // no event_id: nothing to correlate
			return ErrClosed
		}
		return nil

	case realtime.CommitAudio:
		id := m.nextIDLocked("commit")
		if err := m.enqueueLocked(eventHeader{Type: "input_audio_buffer.commit", EventID: id}, "input_audio_buffer.commit", id, 0); err != nil {
			return err
		}
		ack := commitAck{eventID: id, at: time.Now()}
		if c.Respond {
			ack.trigger = m.requestTriggerLocked(Trigger{AwaitItem: true})
			m.tagTriggerLocked(id, ack.trigger)
		}
		m.st.commitAcks = append(m.st.commitAcks, ack)
		return nil

	case realtime.ClearAudio:
		id := m.nextIDLocked("clear")
		return m.enqueueLocked(eventHeader{Type: "input_audio_buffer.clear", EventID: id}, "input_audio_buffer.clear", id, 0)

	case realtime.SendUserText:
		role := orDefault(c.Role, "user")
		if role != "user" && role != "system" {
			return fmt.Errorf("openai: SendUserText: invalid role %q", c.Role)
		}
		text := c.Text
		item := wireItem{Type: realtime.ItemMessage, Role: role, Content: []wireContent{{Type: "input_text", Text: &text}}}
		return m.createItemLocked(kindUserText, item, "", c.Respond, itemAck{typ: realtime.ItemMessage, role: role, text: c.Text, resend: c})

	case realtime.SendToolOutput:
		if c.CallID == "" {
			return errors.New("openai: SendToolOutput without a call id")
		}
		out := c.Output
		item := wireItem{Type: realtime.ItemFunctionCallOutput, CallID: c.CallID, Output: &out}
		return m.createItemLocked(kindToolOutput, item, "", c.Respond, itemAck{typ: realtime.ItemFunctionCallOutput, callID: c.CallID})

	case realtime.CreateItem:
		item, ack, err := itemToWire(c.Item)
		if err != nil {
			return err
		}
		if c.Item.Type != realtime.ItemFunctionCallOutput {
			ack.resend = c
		}
		return m.createItemLocked("conversation.item.create", item, c.PreviousItemID, c.Respond, ack)

	case realtime.CreateResponse:
		m.requestTriggerLocked(Trigger{Instructions: c.Instructions})
		return nil

	case realtime.CancelResponse:
		m.performLocked(m.st.seq.Cancel())
		return nil

	case realtime.TruncateItem:
		if c.ItemID == "" || c.AudioEndMS < 0 || c.ContentIndex < 0 {
			return fmt.Errorf("openai: invalid TruncateItem %+v", c)
		}
		id := m.nextIDLocked("truncate")
		return m.enqueueLocked(truncateEvent{Type: "conversation.item.truncate", EventID: id, ItemID: c.ItemID,
			ContentIndex: c.ContentIndex, AudioEndMS: c.AudioEndMS}, "conversation.item.truncate", id, 0)

	case realtime.RetrieveItem:
		if c.ItemID == "" {
			return errors.New("openai: RetrieveItem without an item id")
		}
		id := m.nextIDLocked("retrieve")
		return m.enqueueLocked(itemIDEvent{Type: "conversation.item.retrieve", EventID: id, ItemID: c.ItemID}, "conversation.item.retrieve", id, 0)

	case realtime.DeleteItem:
		if c.ItemID == "" {
			return errors.New("openai: DeleteItem without an item id")
		}
		id := m.nextIDLocked("delete")
		return m.enqueueLocked(itemIDEvent{Type: "conversation.item.delete", EventID: id, ItemID: c.ItemID}, "conversation.item.delete", id, 0)

	case realtime.SendRaw:
		var head eventHeader
		if err := json.Unmarshal(c.Event, &head); err != nil || head.Type == "" {
			return errors.New("openai: SendRaw needs one JSON object with a type")
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, c.Event); err != nil {
			return fmt.Errorf("openai: SendRaw: %w", err)
		}
		if head.EventID != "" {
			m.st.sent[head.EventID] = sentEvent{kind: head.Type, at: time.Now()}
			m.st.sentOrder = append(m.st.sentOrder, head.EventID)
		}
		if !m.ln.out.Push(buf.Bytes()) {
			return ErrClosed
		}
		return nil
	}
	return fmt.Errorf("openai: unsupported command %T", cmd)
}

// Correlation kinds of the conversation.item.create events that carry a user text
// or a tool output, so an error for one names the command it rejected (commandKind).
const (
	kindUserText   = "conversation.item.create (user text)"
	kindToolOutput = "conversation.item.create (tool output)"
)

// createItemLocked sends conversation.item.create, registers the acknowledgement
// it waits for, and with respond a response trigger after the item (wire order).
// kind is what an error correlated to it is reported as (commandKind).
func (m *Model) createItemLocked(kind string, item wireItem, previous string, respond bool, ack itemAck) error {
	id := m.nextIDLocked("item_create")
	if err := m.enqueueLocked(itemCreateEvent{Type: "conversation.item.create", EventID: id, PreviousItemID: previous, Item: item},
		kind, id, 0); err != nil {
		return err
	}
	ack.eventID, ack.at = id, time.Now()
	if respond {
		ack.trigger = m.requestTriggerLocked(Trigger{AwaitItem: true})
		m.tagTriggerLocked(id, ack.trigger)
	}
	m.st.itemAcks = append(m.st.itemAcks, ack)
	return nil
}

// tagTriggerLocked links a trigger to the event that creates its item, so an error
// for that event withdraws the trigger.
func (m *Model) tagTriggerLocked(eventID string, trig TriggerID) {
	if s, ok := m.st.sent[eventID]; ok {
		s.trigger = trig
		m.st.sent[eventID] = s
	}
}

// sessionUpdateLocked sends a session.update built from scratch (R2.3).
func (m *Model) sessionUpdateLocked(s realtime.Settings) (string, error) {
	if s.Model != "" && s.Model != m.st.model {
		m.cfg.Logger.Warn("session model differs from the connected model; sending the connected model",
			"settings_model", s.Model, "model", m.st.model)
	}
	ws := buildSession(s, m.st.model, m.st.updates == 0, m.st.prevPrompt)
	id := m.nextIDLocked("session_update")
	if err := m.enqueueLocked(sessionUpdateEvent{Type: "session.update", EventID: id, Session: ws}, "session.update", id, 0); err != nil {
		return id, err
	}
	m.st.updates++
	m.st.prevPrompt = s.Prompt != nil
	return id, nil
}

// itemToWire maps a history item to the shapes C may create (R3.2) and the
// acknowledgement that matches it.
func itemToWire(it realtime.Item) (wireItem, itemAck, error) {
	w := wireItem{ID: it.ID, Type: it.Type}
	ack := itemAck{id: it.ID, typ: it.Type}
	switch it.Type {
	case realtime.ItemMessage:
		w.Role = it.Role
		ack.role = it.Role
		for _, c := range it.Content {
			text := c.Text
			switch {
			case c.Type == realtime.ContentInputText || (c.Type == realtime.ContentText && it.Role != "assistant"):
				w.Content = append(w.Content, wireContent{Type: "input_text", Text: &text})
			case c.Type == realtime.ContentText:
				w.Content = append(w.Content, wireContent{Type: "output_text", Text: &text})
			case c.Type == realtime.ContentInputAudio && it.Role == "user":
				w.Content = append(w.Content, wireContent{Type: "input_audio", Audio: c.Audio, Transcript: c.Transcript})
			case c.Type == realtime.ContentInputImage && it.Role == "user":
				w.Content = append(w.Content, wireContent{Type: "input_image", ImageURL: c.ImageURL})
			default:
				return w, ack, fmt.Errorf("openai: cannot create %s content in a %s message", c.Type, it.Role)
			}
			if ack.text == "" && w.Content[len(w.Content)-1].Text != nil {
				ack.text = text
			}
		}
		switch it.Role {
		case "user", "system", "assistant":
		default:
			return w, ack, fmt.Errorf("openai: invalid message role %q", it.Role)
		}
	case realtime.ItemFunctionCall:
		args := it.Arguments
		w.CallID, w.Name, w.Arguments = it.CallID, it.Name, &args
		ack.callID = it.CallID
	case realtime.ItemFunctionCallOutput:
		out := it.Output
		w.CallID, w.Output = it.CallID, &out
		ack.callID = it.CallID
	default:
		return w, ack, fmt.Errorf("openai: cannot create an item of type %q", it.Type)
	}
	return w, ack, nil
}

// commandKind maps a client event type to the neutral kind errors carry.
func commandKind(wireType string) realtime.CommandKind {
	switch wireType {
	case "session.update":
		return realtime.CommandUpdateSession
	case "input_audio_buffer.append":
		return realtime.CommandAppendAudio
	case "input_audio_buffer.commit":
		return realtime.CommandCommitAudio
	case "input_audio_buffer.clear":
		return realtime.CommandClearAudio
	case "conversation.item.create":
		return realtime.CommandCreateItem
	case kindUserText:
		return realtime.CommandSendUserText
	case kindToolOutput:
		return realtime.CommandSendToolOutput
	case "response.create":
		return realtime.CommandCreateResponse
	case "response.cancel":
		return realtime.CommandCancelResponse
	case "conversation.item.truncate":
		return realtime.CommandTruncateItem
	case "conversation.item.retrieve":
		return realtime.CommandRetrieveItem
	case "conversation.item.delete":
		return realtime.CommandDeleteItem
	case "":
		return realtime.CommandUnknown
	}
	return realtime.CommandRaw
}
