package state

// clip shortens untrusted input quoted in an error message or a log.
func clip(s string) string {
	const max = 48
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
