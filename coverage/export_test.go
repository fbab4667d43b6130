package coverage

// TownRowOf is the morning check's row of a town built from its own
// summary: the reference the towns report is tested against.
var TownRowOf = townRow
