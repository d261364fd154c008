package phiscan

import (
	"time"

	"golang.org/x/sys/unix"
)

// birthTime is the file's creation time, when the file system records it
// (statx, Linux 4.11).
func birthTime(path string) *time.Time {
	var st unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, path, 0, unix.STATX_BTIME, &st); err != nil || st.Mask&unix.STATX_BTIME == 0 {
		return nil
	}
	t := time.Unix(st.Btime.Sec, int64(st.Btime.Nsec)).UTC()
	return &t
}
