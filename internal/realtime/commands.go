package realtime

import (
	"encoding/json"
	"strconv"
)

// Command is something the session asks the model to do. The provider turns each
// command into zero or more client events, in order, on its single writer.
type Command interface{ isCommand() }

// UpdateSession replaces the whole session configuration (docs/protocol.md R2.3).
type UpdateSession struct{ Settings Settings }

// SendUserText adds a user (or system) text message. With Respond set it registers a
// response trigger tied to the item's acknowledgement (R6.4).
type SendUserText struct {
	Text    string
	Role    string // "user" (default) or "system"
	Respond bool
}

// AppendAudio appends input audio (raw bytes in the session input format).
type AppendAudio struct{ Audio []byte }

// CommitAudio commits the input buffer (push-to-talk). With Respond set a response
// trigger is registered for the committed item.
type CommitAudio struct{ Respond bool }

// ClearAudio clears the input buffer.
type ClearAudio struct{}

// SendToolOutput sends a function_call_output. With Respond set a response trigger is
// registered for it (the session sets it on the last output of a response's calls).
type SendToolOutput struct {
	CallID  string
	Output  string
	Respond bool
}

// CreateItem adds an arbitrary item (history replay, seeding).
type CreateItem struct {
	Item           Item
	PreviousItemID string // "" append, "root" insert first
	Respond        bool
}

// CreateResponse asks for a response. Without Instructions it is an automatic trigger
// and is coalesced with others; with Instructions it is a manual create whose payload
// overrides the instructions for that response only (e.g. a greeting), run in FIFO
// order after automatic ones.
type CreateResponse struct{ Instructions string }

// CancelResponse cancels the active response, if any (R6.3: a no-op otherwise).
type CancelResponse struct{}

// TruncateItem truncates an assistant audio item at what the listener heard.
type TruncateItem struct {
	ItemID       string
	ContentIndex int
	AudioEndMS   int
}

// RetrieveItem asks for the server's copy of an item.
type RetrieveItem struct{ ItemID string }

// DeleteItem removes an item from the server's conversation.
type DeleteItem struct{ ItemID string }

// SendRaw sends one client event as given (escape hatch for debugging tools).
type SendRaw struct{ Event json.RawMessage }

func (UpdateSession) isCommand()  {}
func (SendUserText) isCommand()   {}
func (AppendAudio) isCommand()    {}
func (CommitAudio) isCommand()    {}
func (ClearAudio) isCommand()     {}
func (SendToolOutput) isCommand() {}
func (CreateItem) isCommand()     {}
func (CreateResponse) isCommand() {}
func (CancelResponse) isCommand() {}
func (TruncateItem) isCommand()   {}
func (RetrieveItem) isCommand()   {}
func (DeleteItem) isCommand()     {}
func (SendRaw) isCommand()        {}

// CommandKind names a kind of command, for errors the model correlates to one.
type CommandKind int

// Command kinds.
const (
	CommandUnknown CommandKind = iota
	CommandUpdateSession
	CommandAppendAudio
	CommandCommitAudio
	CommandClearAudio
	CommandCreateItem // CreateItem (history replay, seeding)
	CommandCreateResponse
	CommandCancelResponse
	CommandTruncateItem
	CommandRetrieveItem
	CommandDeleteItem
	CommandRaw // a SendRaw whose type the provider does not map to a kind above
	// SendUserText: a rejected one means the message was never added, so it will
	// not be answered (issue 9 #6).
	CommandSendUserText
	CommandSendToolOutput // SendToolOutput: the call's output never reached the model
)

var commandKindNames = [...]string{"unknown", "update_session", "append_audio", "commit_audio", "clear_audio",
	"create_item", "create_response", "cancel_response", "truncate_item", "retrieve_item", "delete_item", "raw",
	"send_user_text", "send_tool_output"}

func (k CommandKind) String() string {
	if k >= 0 && int(k) < len(commandKindNames) {
		return commandKindNames[k]
	}
	return "CommandKind(" + strconv.Itoa(int(k)) + ")"
}

// RegistersTrigger reports whether the model registers a response trigger for cmd
// once Send accepts it (R6.4): every CreateResponse, and the commands with Respond
// set. The model reports each one as a ResponseTriggers{Change: TriggerRequested}.
func RegistersTrigger(cmd Command) bool {
	switch c := cmd.(type) {
	case SendUserText:
		return c.Respond
	case CommitAudio:
		return c.Respond
	case SendToolOutput:
		return c.Respond
	case CreateItem:
		return c.Respond
	case CreateResponse:
		return true
	case Replay:
		return c.Respond
	}
	return false
}
