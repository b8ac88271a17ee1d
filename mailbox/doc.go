// Package mailbox is the vocabulary the rest of the voicemail system
// speaks: which mailbox ([ID]), which of its folders ([Folder]), which of
// its recorded greetings ([Greeting]) and which message ([MessageID]). It
// sits at the bottom of the package graph and imports only the standard
// library, so the menu engine, the store, the recordings and every front
// end share one set of types instead of passing strings and ints around
// and parsing them again at each boundary.
//
// Values made from outside text are checked when they are made: ParseID,
// NewID, ParseFolder, ParseGreeting and ParseMessageID return an error
// wrapping this package's sentinels for anything else, and an ID decoded
// from JSON or text is checked the same way. The parts end up in Redis keys
// and in recording file names, so the alphabets are small and safe. A value
// built by hand (an ID literal, a conversion to Folder, Greeting or
// MessageID) can be checked with its Validate method, which every store
// operation calls.
//
// The names and numbers are those of Asterisk's app_voicemail
// (apps/app_voicemail.c), which this system replaces on the phone.
package mailbox
