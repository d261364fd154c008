// Package readmetest holds tests that run the README's walk-throughs as
// written; it has no code of its own.
package readmetest
