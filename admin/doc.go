// Package admin is how administrators run the voicemail system without
// touching Redis (issue 15): a [Service] that carries out each operation on
// mailboxes and messages (checking the input, changing the store, deleting
// audio, moving the message-waiting lamps, recording an audit entry), an
// HTTP API over it ([NewHandler], described by the OpenAPI document in
// openapi.yaml, which it serves and validates requests against), bearer
// tokens stored as SHA-256 hashes ([Tokens]), and a command line over the
// same Service ([CLI]). Package app wires them: the API on its own listener
// (admin.listen), the CLI as the voicemail mailbox and message commands.
package admin
