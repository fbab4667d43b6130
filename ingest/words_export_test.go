package ingest

// Wording is key's two sentences as the catalogue holds them, for the
// test that both take the same parameters.
func Wording(key string) (zh, en string) { return words[key].zh, words[key].en }
