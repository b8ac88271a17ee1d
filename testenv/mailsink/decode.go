package main

import "mime"

// mimeDecoder decodes RFC 2047 header values.
type mimeDecoder struct{ d mime.WordDecoder }

func (m *mimeDecoder) decode(s string) (string, error) { return m.d.DecodeHeader(s) }
