//go:build linux || darwin

package sqlite

import "syscall"

// DiskFree is the space left to unprivileged writers on the filesystem
// of dir, as statfs(2) reports it.
func DiskFree(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}
