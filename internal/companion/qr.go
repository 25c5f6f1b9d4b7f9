package companion

import (
	qrcode "github.com/skip2/go-qrcode"
)

// QR is the page's URL (with the token off loopback) as a QR code drawn
// with half-block characters, two modules a character tall, for a phone to
// scan from the terminal. It is drawn for the usual light-on-dark terminal
// (the light squares are the blocks) and includes the quiet zone.
func (s *Server) QR() (string, error) {
	return qrText(s.URL())
}

func qrText(text string) (string, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return "", err
	}
	return q.ToSmallString(false), nil
}
