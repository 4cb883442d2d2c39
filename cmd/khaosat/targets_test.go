package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTargetsImport: `khaosat targets import` with one bad row changes
// nothing and names the row and the column (in the language asked);
// the file put right imports every row; --as a manager of another area
// is refused per row.
func TestTargetsImport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "plan.csv")
	bad := "indicator,unit,period,value,better,baseline_value,baseline_period\n" +
		"CHILD_POP,00004,2026,300,less,,\n" +
		"BIRTH_REG_U5,00008,2026,120,,90,2025\n" +
		"SCHOOL_6_14,99999,2026,97,,,\n"
	if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"targets", "import", "--data-dir", data, "--lang", "vi", file}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "nothing was imported") {
		t.Fatalf("a bad file: %v\n%s%s", err, out.String(), errOut.String())
	}
	want := file + ": row 3: value: Tỷ lệ phần trăm không quá 100.\n" + file + ": row 4: unit: Không có đơn vị «99999» vào cuối kỳ 2026.\n"
	if out.String() != want {
		t.Errorf("printed:\n%s\nwant:\n%s", out.String(), want)
	}
	good := strings.Replace(strings.Replace(bad, ",120,", ",98,", 1), "99999", "00008", 1)
	if err := os.WriteFile(file, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"targets", "import", "--data-dir", data, file}, nil, &out, &errOut); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut.String())
	}
	if out.String() != "imported 3 targets from "+file+"\n" {
		t.Errorf("printed %q", out.String())
	}
	out.Reset()
	err = run(context.Background(), []string{"targets", "import", "--data-dir", data, "--as", "nobody", file}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "--as nobody") {
		t.Errorf("an unknown --as: %v", err)
	}
}
