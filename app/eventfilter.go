package app

// handledEvents are the ARI event types dispatch acts on; the event stream
// asks Asterisk for these only (ari.StreamConfig.AllowedEvents), so that it
// neither writes nor sends the others a call brings (ChannelVarset,
// ChannelStateChange, PlaybackStarted, RecordingStarted, ChannelDialplan,
// …). Keep it in step with dispatch: Asterisk accepts any name, so an event
// missing here is silently never delivered.
var handledEvents = []string{
	"StasisStart",
	"StasisEnd",
	"CallBroadcast",
	"ChannelDtmfReceived",
	"ChannelHangupRequest",
	"PlaybackFinished",
	"RecordingFinished",
	"RecordingFailed",
	// Not for a call: tells that another connection took the app name.
	"ApplicationReplaced",
}
