// Package dedup is alertgate's deduplication and flap detection, as pure
// functions of an alert's remembered state and one observation of it:
// Decide says whether the observation notifies, Settle ends flapping for
// an alert that has been stable long enough.
//
// Both stores apply these rules: the memory store calls them, and the
// Redis store's Lua script (router/store/redis/lua/dedup.lua) mirrors
// them statement by statement; the table tests here and the store
// conformance suite keep the two honest.
package dedup
