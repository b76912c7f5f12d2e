package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/ledger"
	"github.com/urfave/cli/v2"
)

func venueCommand() *cli.Command {
	signing := []cli.Flag{nodeFlag, keystoreFlag, passFlag, devnetFlag, jsonFlag}
	reading := []cli.Flag{nodeFlag, devnetFlag, jsonFlag}
	venueFlag := &cli.StringFlag{Name: "venue", Required: true, Usage: "the venue (`ID` or name)"}
	return &cli.Command{
		Name:  "venue",
		Usage: "signage: venues, their maps and the stores on them",
		Subcommands: []*cli.Command{
			{
				Name:   "list",
				Usage:  "the venues the node knows",
				Flags:  reading,
				Action: venueList,
			},
			{
				Name:   "show",
				Usage:  "a venue and every store listed at it",
				Flags:  append([]cli.Flag{venueFlag}, reading...),
				Action: venueShow,
			},
			{
				Name:  "map",
				Usage: "sign a venue's map as its operator (a new venue, or a new version of its map)",
				Flags: append([]cli.Flag{
					&cli.StringFlag{Name: "from", Required: true, Usage: "the operator's `ACCOUNT`"},
					&cli.StringFlag{Name: "name", Required: true, Usage: "the venue's name"},
					&cli.StringFlag{Name: "svg", Required: true, Usage: "the map, an SVG `FILE` with a viewBox (places are in its units)"},
				}, signing...),
				Action: venueMap,
			},
			{
				Name:  "store",
				Usage: "list your store at a venue as its merchant, move it, or close it",
				Flags: append([]cli.Flag{
					&cli.StringFlag{Name: "from", Required: true, Usage: "the merchant's `ACCOUNT` (the account its terminals are paid to)"},
					venueFlag,
					&cli.StringFlag{Name: "name", Usage: "the store's name (default: as listed before)"},
					&cli.StringFlag{Name: "at", Usage: "its place on the map, `X,Y` in the map's units (default: as listed before)"},
					&cli.StringFlag{Name: "accepts", Usage: "the assets it takes besides its own, `SYMBOLS` separated by commas (default: as listed before)"},
					&cli.BoolFlag{Name: "close", Usage: "leave the venue"},
				}, signing...),
				Action: venueStore,
			},
			{
				Name:  "approve",
				Usage: "as the venue's operator, approve a store's place on the map (or refuse it)",
				Flags: append([]cli.Flag{
					&cli.StringFlag{Name: "from", Required: true, Usage: "the operator's `ACCOUNT`"},
					venueFlag,
					&cli.StringFlag{Name: "store", Required: true, Usage: "the merchant `ACCOUNT` of the store"},
					&cli.BoolFlag{Name: "refuse", Usage: "refuse the place, or withdraw an approval"},
				}, signing...),
				Action: venueApprove,
			},
		},
	}
}

// findVenue resolves a venue by id or name.
func findVenue(c *cli.Context, n *client.Client, q string) (api.VenueDetail, error) {
	id, err := ledger.ParseHash(q)
	if err != nil {
		vs, lerr := n.Venues(c.Context)
		if lerr != nil {
			return api.VenueDetail{}, lerr
		}
		var names []string
		for _, v := range vs {
			if strings.EqualFold(v.Name, q) {
				id, err = v.ID, nil
				break
			}
			names = append(names, v.Name)
		}
		if err != nil {
			if len(names) == 0 {
				return api.VenueDetail{}, errors.New("the node knows no venue yet")
			}
			return api.VenueDetail{}, fmt.Errorf("no venue is named %q (the node knows: %s)", q, strings.Join(names, ", "))
		}
	}
	return n.Venue(c.Context, id)
}

func venueList(c *cli.Context) error {
	n, err := nodeClient(c)
	if err != nil {
		return err
	}
	vs, err := n.Venues(c.Context)
	if err != nil {
		return err
	}
	return output(c, vs, func() {
		w := tabwriter.NewWriter(os.Stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tSTORES\tOPERATOR\tID")
		for _, v := range vs {
			fmt.Fprintf(w, "%s\t%d\t%s\t%s\n", v.Name, v.Stores, v.Operator.Hex(), v.ID.Hex())
		}
		w.Flush()
	})
}

func venueShow(c *cli.Context) error {
	n, err := nodeClient(c)
	if err != nil {
		return err
	}
	v, err := findVenue(c, n, c.String("venue"))
	if err != nil {
		return err
	}
	assets, err := n.Assets(c.Context)
	if err != nil {
		return err
	}
	symbol := map[ledger.Hash]string{}
	for _, a := range assets {
		symbol[a.ID] = a.Symbol
	}
	return output(c, v, func() {
		fmt.Printf("%s  (map %g × %g, version %d, operator %s)\n", v.Name, v.ViewBox[2], v.ViewBox[3], v.Seq, v.Operator.Hex())
		w := tabwriter.NewWriter(os.Stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(w, "STORE\tSTATUS\tAT\tACCEPTS\tMERCHANT")
		for _, s := range v.StoreList {
			var acc []string
			for _, a := range s.Accepts {
				acc = append(acc, orDash(symbol[a]))
			}
			acc = append(acc, "its own")
			fmt.Fprintf(w, "%s\t%s\t%d,%d\t%s\t%s\n", s.Name, s.Status, s.X, s.Y, strings.Join(acc, ", "), s.Merchant.Hex())
		}
		w.Flush()
	})
}

// signRecord signs r with key under the node's domain and posts it.
func signRecord(c *cli.Context, n *client.Client, key *account.Key, r *ledger.VenueRecord) error {
	dom, err := n.Domain(c.Context)
	if err != nil {
		return err
	}
	sig, err := key.Sign(dom.Digest(r.StructHash()))
	if err != nil {
		return err
	}
	r.Signature = ledger.Sig(sig)
	res, err := n.PostVenueRecord(c.Context, r)
	if err != nil {
		return err
	}
	return output(c, res, func() {
		fmt.Printf("%s of venue %s signed and gossiped", r.Type, res.Venue.Hex())
		if res.Duplicate {
			fmt.Print(" (the node held it already)")
		}
		fmt.Println()
	})
}

func venueMap(c *cli.Context) error {
	n, _, key, err := signerFor(c)
	if err != nil {
		return err
	}
	svg, err := os.ReadFile(c.String("svg"))
	if err != nil {
		return err
	}
	v := &ledger.Venue{Operator: key.Address(), Name: c.String("name"), Map: ledger.Keccak256(svg), Seq: 1}
	if held, err := n.Venue(c.Context, v.ID()); err == nil {
		v.Seq = held.Seq + 1
	} else if ae := (*api.Error)(nil); !errors.As(err, &ae) || ae.Code != api.CodeUnknownVenue {
		return err
	}
	return signRecord(c, n, key, &ledger.VenueRecord{Type: ledger.VenueRecordVenue, Venue: v, SVG: string(svg)})
}

func venueStore(c *cli.Context) error {
	n, _, key, err := signerFor(c)
	if err != nil {
		return err
	}
	v, err := findVenue(c, n, c.String("venue"))
	if err != nil {
		return err
	}
	st := &ledger.VenueStore{Venue: v.ID, Merchant: key.Address(), Open: !c.Bool("close"), Seq: 1}
	var held *api.VenueStoreInfo
	for i := range v.StoreList {
		if v.StoreList[i].Merchant == key.Address() {
			held = &v.StoreList[i]
		}
	}
	if held != nil {
		st.Name, st.X, st.Y, st.Accepts, st.Seq = held.Name, held.X, held.Y, held.Accepts, held.Seq+1
	}
	if s := c.String("name"); s != "" {
		st.Name = s
	}
	if s := c.String("at"); s != "" {
		if st.X, st.Y, err = parsePlace(s); err != nil {
			return err
		}
	} else if held == nil {
		return errors.New("--at X,Y: where on the map the store is")
	}
	if st.Name == "" {
		return errors.New("--name: the store's name")
	}
	if s := c.String("accepts"); s != "" {
		st.Accepts = nil
		for _, sym := range strings.Split(s, ",") {
			a, err := n.Asset(c.Context, strings.TrimSpace(sym))
			if err != nil {
				return err
			}
			st.Accepts = append(st.Accepts, a.ID)
		}
	}
	return signRecord(c, n, key, &ledger.VenueRecord{Type: ledger.VenueRecordStore, Store: st})
}

func parsePlace(s string) (x, y uint32, err error) {
	xs, ys, ok := strings.Cut(s, ",")
	if ok {
		var xv, yv uint64
		if xv, err = strconv.ParseUint(strings.TrimSpace(xs), 10, 32); err == nil {
			if yv, err = strconv.ParseUint(strings.TrimSpace(ys), 10, 32); err == nil {
				return uint32(xv), uint32(yv), nil
			}
		}
	}
	return 0, 0, fmt.Errorf("--at %q: X,Y in the map's units, e.g. 120,340", s)
}

func venueApprove(c *cli.Context) error {
	n, ks, key, err := signerFor(c)
	if err != nil {
		return err
	}
	v, err := findVenue(c, n, c.String("venue"))
	if err != nil {
		return err
	}
	merchant, err := resolveAccount(c.Context, c.String("store"), ks, n)
	if err != nil {
		return err
	}
	var st *api.VenueStoreInfo
	for i := range v.StoreList {
		if v.StoreList[i].Merchant == merchant {
			st = &v.StoreList[i]
		}
	}
	if st == nil {
		return fmt.Errorf("%s lists no store at %s", merchant.Hex(), v.Name)
	}
	p := &ledger.VenuePlace{Venue: v.ID, Merchant: merchant, X: st.X, Y: st.Y, Approved: !c.Bool("refuse"), Seq: 1}
	if st.PlaceSeq != nil {
		p.Seq = *st.PlaceSeq + 1
	}
	return signRecord(c, n, key, &ledger.VenueRecord{Type: ledger.VenueRecordPlace, Place: p})
}
