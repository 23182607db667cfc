// Package holidays knows the public holiday calendars alertgate can use
// for business hours, by country (ISO 3166-1 alpha-2) or subdivision
// code, from github.com/rickar/cal/v2, and reads iCalendar files of a
// company's own days off. It is a leaf: configuration validation and
// the rules both use it.
package holidays

import (
	"maps"
	"slices"
	"strings"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/ar"
	"github.com/rickar/cal/v2/at"
	"github.com/rickar/cal/v2/au"
	"github.com/rickar/cal/v2/be"
	"github.com/rickar/cal/v2/bg"
	"github.com/rickar/cal/v2/br"
	"github.com/rickar/cal/v2/ca"
	"github.com/rickar/cal/v2/ch"
	"github.com/rickar/cal/v2/cz"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/dk"
	"github.com/rickar/cal/v2/es"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/gr"
	"github.com/rickar/cal/v2/hr"
	"github.com/rickar/cal/v2/ie"
	"github.com/rickar/cal/v2/it"
	"github.com/rickar/cal/v2/jp"
	"github.com/rickar/cal/v2/lt"
	"github.com/rickar/cal/v2/lv"
	"github.com/rickar/cal/v2/mw"
	"github.com/rickar/cal/v2/nl"
	"github.com/rickar/cal/v2/no"
	"github.com/rickar/cal/v2/nz"
	"github.com/rickar/cal/v2/pl"
	"github.com/rickar/cal/v2/ro"
	"github.com/rickar/cal/v2/ru"
	"github.com/rickar/cal/v2/se"
	"github.com/rickar/cal/v2/si"
	"github.com/rickar/cal/v2/sk"
	"github.com/rickar/cal/v2/ua"
	"github.com/rickar/cal/v2/us"
	"github.com/rickar/cal/v2/za"
)

// calendars maps a code to its holidays. It is built per call: the
// library's holidays are package variables that its date functions may
// write to, so callers get clones (see Lookup).
func calendars() map[string][]*cal.Holiday {
	return map[string][]*cal.Holiday{
		"ar": ar.Holidays, "at": at.Holidays, "be": be.Holidays, "bg": bg.Holidays, "br": br.Holidays,
		"ca": ca.Holidays, "ch": ch.Holidays, "cz": cz.Holidays, "de": de.Holidays, "dk": dk.Holidays,
		"es": es.Holidays, "fr": fr.Holidays, "gb": gb.Holidays, "gr": gr.Holidays, "hr": hr.Holidays,
		"ie": ie.Holidays, "it": it.Holidays, "jp": jp.Holidays, "lt": lt.Holidays, "lv": lv.Holidays,
		"mw": mw.Holidays, "nl": nl.Holidays, "no": no.Holidays, "nz": nz.Holidays, "pl": pl.Holidays,
		"ro": ro.Holidays, "ru": ru.Holidays, "se": se.Holidays, "si": si.Holidays, "sk": sk.Holidays,
		"ua": ua.Holidays, "us": us.Holidays, "za": za.Holidays,
		// Australia has no national list, only its states'.
		"au-act": au.HolidaysACT, "au-nsw": au.HolidaysNSW, "au-nt": au.HolidaysNT, "au-qld": au.HolidaysQLD,
		"au-sa": au.HolidaysSA, "au-tas": au.HolidaysTAS, "au-vic": au.HolidaysVIC, "au-wa": au.HolidaysWA,
		// German states add their own days to the federal ones.
		"de-bw": de.HolidaysBW, "de-by": de.HolidaysBY, "de-be": de.HolidaysBE, "de-bb": de.HolidaysBB,
		"de-hb": de.HolidaysHB, "de-hh": de.HolidaysHH, "de-he": de.HolidaysHE, "de-mv": de.HolidaysMV,
		"de-ni": de.HolidaysNI, "de-nw": de.HolidaysNW, "de-rp": de.HolidaysRP, "de-sl": de.HolidaysSL,
		"de-sn": de.HolidaysSN, "de-st": de.HolidaysST, "de-sh": de.HolidaysSH, "de-th": de.HolidaysTH,
		"ch-zh": ch.HolidaysZH, "ch-be": ch.HolidaysBE, "ch-ge": ch.HolidaysGE, "ch-vd": ch.HolidaysVD,
		"ch-bs": ch.HolidaysBS, "ch-ti": ch.HolidaysTI, "ch-lu": ch.HolidaysLU, "ch-sg": ch.HolidaysSG,
	}
}

// Lookup returns the holidays of a calendar code (case does not matter),
// cloned so that computing dates never touches shared state.
func Lookup(code string) ([]*cal.Holiday, bool) {
	hs, ok := calendars()[strings.ToLower(strings.TrimSpace(code))]
	if !ok {
		return nil, false
	}
	out := make([]*cal.Holiday, len(hs))
	for i, h := range hs {
		out[i] = h.Clone(nil)
	}
	return out, true
}

// Codes lists the known calendar codes, sorted.
func Codes() []string { return slices.Sorted(maps.Keys(calendars())) }
