// Package lianxin holds the vocabulary every other package shares: the
// application error with its code, and the access scope a request carries.
// It imports nothing of the project, so domain packages, the store and the
// HTTP layer can all depend on it without cycles.
package lianxin
