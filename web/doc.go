// Package web is alertgate's operator console: html/template pages and
// the static assets they use (CSS, a little JavaScript and the vendored
// uPlot chart library, with its license), all embedded in the binary so
// the console works offline.
//
// Pages are rendered on the server and readable without JavaScript;
// scripts only add live refresh, keyboard shortcuts, copy buttons and
// charts drawn from data the page also shows as tables. The package
// renders view models (Board, IncidentView, ...) that the router's
// console handlers fill; it reads no store and changes nothing.
package web
