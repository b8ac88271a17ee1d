package ari

import "strings"

// Channel is ARI's Channel model (rest-api/api-docs/channels.json).
type Channel struct {
	// ID is the unique channel id (uniqueid), e.g. "1764170712.42".
	ID string `json:"id"`
	// Name is the channel name, e.g. "PJSIP/1001-00000003".
	Name string `json:"name"`
	// State is the channel state: Down, Rsrvd, OffHook, Dialing, Ring,
	// Ringing, Up, Busy, Dialing Offhook, Pre-ring or Unknown.
	State string `json:"state"`
	// Caller is the caller id of the channel.
	Caller CallerID `json:"caller"`
	// Connected is the connected line id of the channel.
	Connected CallerID `json:"connected"`
	// AccountCode is the channel's account code.
	AccountCode string `json:"accountcode"`
	// Dialplan is the channel's current dialplan location.
	Dialplan DialplanCEP `json:"dialplan"`
	// CreationTime is when the channel was created.
	CreationTime Time `json:"creationtime"`
	// Language is the channel's default language, e.g. "en".
	Language string `json:"language"`
	// ChannelVars holds the variables listed in ari.conf channelvars, when
	// any are configured.
	ChannelVars map[string]string `json:"channelvars,omitempty"`
}

// CallerID is a name and number pair.
type CallerID struct {
	// Name is the caller id name.
	Name string `json:"name"`
	// Number is the caller id number.
	Number string `json:"number"`
}

// DialplanCEP is a dialplan location: context, extension, priority, plus the
// application being run there.
type DialplanCEP struct {
	// Context is the dialplan context.
	Context string `json:"context"`
	// Exten is the dialplan extension.
	Exten string `json:"exten"`
	// Priority is the dialplan priority.
	Priority int64 `json:"priority"`
	// AppName is the dialplan application being executed, e.g. "Stasis".
	AppName string `json:"app_name"`
	// AppData is the argument string of that application.
	AppData string `json:"app_data"`
}

// Playback is ARI's Playback model: a media playback on a channel or bridge.
type Playback struct {
	// ID is the playback id.
	ID string `json:"id"`
	// MediaURI is the URI of the media being played, e.g. "sound:vm-intro".
	MediaURI string `json:"media_uri"`
	// NextMediaURI is the URI of the next media in a list, if any.
	NextMediaURI string `json:"next_media_uri,omitempty"`
	// TargetURI names what is played to: "channel:ID" or "bridge:ID".
	TargetURI string `json:"target_uri"`
	// Language is the language requested for the playback.
	Language string `json:"language"`
	// State is one of queued, playing, continuing, done or failed.
	State string `json:"state"`
}

// LiveRecording is ARI's LiveRecording model: a recording in progress (or
// just finished) on a channel or bridge.
type LiveRecording struct {
	// Name is the recording name, relative to the recording directory; it
	// may contain "/".
	Name string `json:"name"`
	// Format is the file format, e.g. "wav".
	Format string `json:"format"`
	// TargetURI names what is recorded: "channel:ID" or "bridge:ID".
	TargetURI string `json:"target_uri"`
	// State is one of queued, recording, paused, done, failed or canceled.
	State string `json:"state"`
	// Duration is the length of the recording in seconds.
	Duration int `json:"duration,omitempty"`
	// TalkingDuration is the number of seconds of talking; ARI sends it
	// only when maxSilenceSeconds > 0.
	TalkingDuration int `json:"talking_duration,omitempty"`
	// SilenceDuration is the number of seconds of silence; ARI sends it
	// only when maxSilenceSeconds > 0.
	SilenceDuration int `json:"silence_duration,omitempty"`
	// Cause is the reason of a failure, e.g. "Cannot record channel while
	// in bridge".
	Cause string `json:"cause,omitempty"`
}

// StoredRecording is ARI's StoredRecording model: a finished recording file.
type StoredRecording struct {
	// Name is the recording name, relative to the recording directory and
	// without extension; it may contain "/".
	Name string `json:"name"`
	// Format is the file format, e.g. "wav".
	Format string `json:"format"`
}

// Application is ARI's Application model: a Stasis application and what it
// is subscribed to.
type Application struct {
	// Name is the application name.
	Name string `json:"name"`
	// ChannelIDs lists the channels the application is subscribed to,
	// including those parked in it.
	ChannelIDs []string `json:"channel_ids"`
	// BridgeIDs lists the subscribed bridges.
	BridgeIDs []string `json:"bridge_ids"`
	// EndpointIDs lists the subscribed endpoints, as "tech/resource".
	EndpointIDs []string `json:"endpoint_ids"`
	// DeviceNames lists the subscribed device states.
	DeviceNames []string `json:"device_names"`
	// EventsAllowed lists the event types the application's filter lets
	// through; empty means every type (Asterisk 20.7, 21.2, 22+).
	EventsAllowed []EventTypeName `json:"events_allowed,omitempty"`
	// EventsDisallowed lists the event types the filter holds back; it
	// wins over EventsAllowed.
	EventsDisallowed []EventTypeName `json:"events_disallowed,omitempty"`
}

// EventTypeName names one event type in an application's event filter, as
// ARI writes it: {"type":"StasisStart"}.
type EventTypeName struct {
	// Type is the event type, case sensitive.
	Type string `json:"type"`
}

// Ping is the answer of GET /asterisk/ping.
type Ping struct {
	// Ping is always "pong".
	Ping string `json:"ping"`
	// Timestamp is the server's time.
	Timestamp Time `json:"timestamp"`
	// AsteriskID is the server's entity id (system.entity_id).
	AsteriskID string `json:"asterisk_id"`
}

// AsteriskInfo is the answer of GET /asterisk/info.
type AsteriskInfo struct {
	// Build describes how Asterisk was built.
	Build BuildInfo `json:"build"`
	// System holds the version and entity id.
	System SystemInfo `json:"system"`
	// Config holds the main asterisk.conf settings.
	Config ConfigInfo `json:"config"`
	// Status holds the startup and last reload times.
	Status StatusInfo `json:"status"`
}

// BuildInfo describes the Asterisk build.
type BuildInfo struct {
	// OS is the build operating system.
	OS string `json:"os"`
	// Kernel is the build kernel version.
	Kernel string `json:"kernel"`
	// Options lists the compile-time options.
	Options string `json:"options"`
	// Machine is the build machine architecture.
	Machine string `json:"machine"`
	// Date is the build date.
	Date string `json:"date"`
	// User is the user who built Asterisk.
	User string `json:"user"`
}

// SystemInfo identifies the running Asterisk.
type SystemInfo struct {
	// Version is the Asterisk version, e.g. "22.10.1".
	Version string `json:"version"`
	// EntityID is the node id (asterisk.conf entityid, a MAC address by
	// default); it is the asterisk_id of every event.
	EntityID string `json:"entity_id"`
}

// ConfigInfo holds the main settings of asterisk.conf.
type ConfigInfo struct {
	// Name is the system name.
	Name string `json:"name"`
	// DefaultLanguage is the default language for media playback.
	DefaultLanguage string `json:"default_language"`
	// MaxChannels is the maximum number of channels, 0 if unlimited.
	MaxChannels int `json:"max_channels"`
	// MaxOpenFiles is the maximum number of open file handles.
	MaxOpenFiles int `json:"max_open_files"`
	// MaxLoad is the maximum load average.
	MaxLoad float64 `json:"max_load"`
	// SetID is the effective user and group Asterisk runs as.
	SetID SetID `json:"setid"`
}

// SetID is the effective user and group of the Asterisk process.
type SetID struct {
	// User is the effective user.
	User string `json:"user"`
	// Group is the effective group.
	Group string `json:"group"`
}

// StatusInfo holds Asterisk's uptime landmarks.
type StatusInfo struct {
	// StartupTime is when Asterisk started.
	StartupTime Time `json:"startup_time"`
	// LastReloadTime is when the configuration was last reloaded.
	LastReloadTime Time `json:"last_reload_time"`
}

// targetChannelID returns ID from a target URI "channel:ID", or "".
func targetChannelID(uri string) string {
	id, ok := strings.CutPrefix(uri, "channel:")
	if !ok {
		return ""
	}
	return id
}
