package registry

import "testing"

func TestNameKey(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"Nguyễn  Thị Hoà", "nguyen thi hoa"},
		{"nguyen thi hoa", "nguyen thi hoa"},
		{"NGUYỄN THỊ HOÀ", "nguyen thi hoa"},
		{"Nguye\u0302\u0303n Thi\u0323 Hoa\u0300", "nguyen thi hoa"}, // decomposed input
		{"Đỗ Văn Đức", "do van duc"},
		{"  Trần\tvăn   Bình ", "tran van binh"},
		{"Lê Thị Thuỷ", "le thi thuy"},
		{"Lê Thị Thủy", "le thi thuy"},
		{"", ""},
	} {
		if got := NameKey(c.in); got != c.want {
			t.Errorf("NameKey(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestOneEditApart(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"nguyen van an", "nguyen van anh", true}, // insertion
		{"nguyen van anh", "nguyen van an", true}, // deletion
		{"nguyen van an", "nguyen van on", true},  // substitution
		{"nguyen van an", "nguyen van an", false}, // equal: the same-key rule's case
		{"nguyen van an", "nguyen van bnh", false},
		{"le", "lea b", false},
		{"", "a", true},
	} {
		if got := oneEditApart(c.a, c.b); got != c.want {
			t.Errorf("oneEditApart(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
