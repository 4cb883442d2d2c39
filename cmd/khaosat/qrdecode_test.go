package main

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"strings"
)

// decodeQR reads the text of a clean, upright QR code image (as a server
// renders it, not a photo): versions 1 to 3 with one error-correction
// block, numeric, alphanumeric or byte mode. It samples the module grid,
// reads the format information, unmasks and reads the data codewords in
// the standard's zigzag order. It does no error correction, so a wrong
// module gives a wrong text or an error, never the right one by chance.
// (No QR decoding library is available to the project.)
func decodeQR(pngData []byte) (string, error) {
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		return "", err
	}
	dark := func(x, y int) bool {
		r, g, b, _ := img.At(x, y).RGBA()
		return r+g+b < 3*0x8000
	}
	bnd := img.Bounds()
	left, top := -1, -1
	for y := bnd.Min.Y; y < bnd.Max.Y && top < 0; y++ {
		for x := bnd.Min.X; x < bnd.Max.X; x++ {
			if dark(x, y) {
				left, top = x, y
				break
			}
		}
	}
	if top < 0 {
		return "", errors.New("no dark pixel")
	}
	run := 0
	for x := left; x < bnd.Max.X && dark(x, top); x++ {
		run++
	}
	module := float64(run) / 7 // the finder pattern's top edge is 7 modules
	right := left
	for x := left; x < bnd.Max.X; x++ {
		if dark(x, top) {
			right = x
		}
	}
	n := int(float64(right-left+1)/module + 0.5)
	version := (n - 17) / 4
	if n < 21 || (n-17)%4 != 0 || version > 3 {
		return "", fmt.Errorf("unsupported symbol size %d", n)
	}
	grid := make([][]bool, n) // grid[row][col]
	for r := range grid {
		grid[r] = make([]bool, n)
		for c := range grid[r] {
			grid[r][c] = dark(left+int((float64(c)+0.5)*module), top+int((float64(r)+0.5)*module))
		}
	}

	// Format information, around the top-left finder, most significant bit first.
	var format uint
	for _, p := range [][2]int{{8, 0}, {8, 1}, {8, 2}, {8, 3}, {8, 4}, {8, 5}, {8, 7}, {8, 8}, {7, 8}, {5, 8}, {4, 8}, {3, 8}, {2, 8}, {1, 8}, {0, 8}} {
		format <<= 1
		if grid[p[0]][p[1]] {
			format |= 1
		}
	}
	format ^= 0x5412
	if !validFormat(format) {
		return "", fmt.Errorf("bad format information %015b", format)
	}
	ecBits, mask := format>>13, int(format>>10&7)
	dataWords := map[[2]int]int{ // [version, ec bits] → data codewords (one block)
		{1, 1}: 19, {1, 0}: 16, {1, 3}: 13, {1, 2}: 9,
		{2, 1}: 34, {2, 0}: 28, {2, 3}: 22, {2, 2}: 16,
		{3, 1}: 55, {3, 0}: 44,
	}[[2]int{version, int(ecBits)}]
	if dataWords == 0 {
		return "", errors.New("more than one block: unsupported")
	}

	function := func(r, c int) bool {
		switch {
		case r < 9 && c < 9, r < 9 && c >= n-8, r >= n-8 && c < 9: // finders, separators, format
			return true
		case r == 6 || c == 6: // timing
			return true
		case version >= 2 && r >= n-9 && r <= n-5 && c >= n-9 && c <= n-5: // alignment
			return true
		}
		return false
	}
	masked := func(r, c int) bool {
		switch mask {
		case 0:
			return (r+c)%2 == 0
		case 1:
			return r%2 == 0
		case 2:
			return c%3 == 0
		case 3:
			return (r+c)%3 == 0
		case 4:
			return (r/2+c/3)%2 == 0
		case 5:
			return r*c%2+r*c%3 == 0
		case 6:
			return (r*c%2+r*c%3)%2 == 0
		default:
			return ((r+c)%2+r*c%3)%2 == 0
		}
	}
	var bits []bool
	up := true
	for c := n - 1; c > 0; c -= 2 {
		if c == 6 {
			c-- // the vertical timing column is skipped
		}
		for i := 0; i < n; i++ {
			r := i
			if up {
				r = n - 1 - i
			}
			for _, cc := range []int{c, c - 1} {
				if !function(r, cc) {
					bits = append(bits, grid[r][cc] != masked(r, cc))
				}
			}
		}
		up = !up
	}
	if len(bits) < dataWords*8 {
		return "", errors.New("too few modules")
	}
	bits = bits[:dataWords*8]
	pos := 0
	read := func(k int) int {
		v := 0
		for i := 0; i < k && pos < len(bits); i++ {
			v <<= 1
			if bits[pos] {
				v |= 1
			}
			pos++
		}
		return v
	}
	const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
	var out strings.Builder
	for pos+4 <= len(bits) {
		switch read(4) {
		case 0:
			return out.String(), nil
		case 1: // numeric
			for count := read(10); count > 0; {
				k := min(count, 3)
				fmt.Fprintf(&out, "%0*d", k, read([]int{0, 4, 7, 10}[k]))
				count -= k
			}
		case 2: // alphanumeric
			for count := read(9); count > 0; {
				if count >= 2 {
					v := read(11)
					out.WriteByte(alnum[v/45])
					out.WriteByte(alnum[v%45])
					count -= 2
				} else {
					out.WriteByte(alnum[read(6)])
					count--
				}
			}
		case 4: // byte
			for count := read(8); count > 0; count-- {
				out.WriteByte(byte(read(8)))
			}
		default:
			return "", errors.New("unsupported mode")
		}
	}
	return out.String(), nil
}

// validFormat checks the BCH(15,5) code of the unmasked format information.
func validFormat(f uint) bool {
	rem := f
	for i := 14; i >= 10; i-- {
		if rem&(1<<i) != 0 {
			rem ^= 0x537 << (i - 10)
		}
	}
	return rem == 0
}
