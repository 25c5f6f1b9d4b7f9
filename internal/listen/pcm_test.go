//go:build pocketsphinx

package listen

import (
	"encoding/binary"
	"fmt"
	"os"
)

// readPCM reads a 16 kHz mono 16-bit WAV (the corpus format) without a
// size limit: the unrelated-speech recording is half an hour long.
func readPCM(path string) ([]int16, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, fmt.Errorf("%s: not a wav file", path)
	}
	var rate uint32
	var ch, bits uint16
	for p := 12; p+8 <= len(b); {
		id, n := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		p += 8
		switch {
		case id == "fmt " && n >= 16 && p+16 <= len(b):
			ch, rate, bits = binary.LittleEndian.Uint16(b[p+2:]), binary.LittleEndian.Uint32(b[p+4:]), binary.LittleEndian.Uint16(b[p+14:])
		case id == "data":
			if rate != Rate || ch != 1 || bits != 16 {
				return nil, fmt.Errorf("%s: want 16 kHz mono 16-bit, have %d Hz, %d channels, %d bits", path, rate, ch, bits)
			}
			n = min(n, len(b)-p)
			out := make([]int16, n/2)
			for i := range out {
				out[i] = int16(binary.LittleEndian.Uint16(b[p+2*i:]))
			}
			return out, nil
		}
		p += n + n&1
	}
	return nil, fmt.Errorf("%s: no data chunk", path)
}
