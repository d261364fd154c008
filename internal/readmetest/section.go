package readmetest

import (
	"fmt"
	"regexp"
	"strings"
)

// SectionCommands returns the commands of the sh blocks of the README
// section titled heading (up to the next "## " heading), one per line,
// continuation lines joined, blank and comment lines left out.
func SectionCommands(readme, heading string) ([]string, error) {
	start := strings.Index(readme, "\n"+heading+"\n")
	if start < 0 {
		return nil, fmt.Errorf("README has no section %q", heading)
	}
	body := readme[start+len(heading)+2:]
	if end := strings.Index(body, "\n## "); end >= 0 {
		body = body[:end]
	}
	var cmds []string
	for _, m := range regexp.MustCompile("(?s)\n```sh\n(.*?)\n```").FindAllStringSubmatch("\n"+body, -1) {
		pending := ""
		for line := range strings.SplitSeq(m[1], "\n") {
			line = strings.TrimSpace(line)
			if cont, ok := strings.CutSuffix(line, "\\"); ok {
				pending += cont
				continue
			}
			line = strings.TrimSpace(pending + line)
			pending = ""
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			cmds = append(cmds, line)
		}
	}
	if len(cmds) == 0 {
		return nil, fmt.Errorf("section %q has no sh commands", heading)
	}
	return cmds, nil
}
