// Package readmetest holds tests that run the README's walk-throughs as
// written, and SectionCommands, which reads a section's commands for them
// and for the examples' own README tests (examples/emr).
package readmetest
