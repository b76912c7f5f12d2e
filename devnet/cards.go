package devnet

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge"
	"github.com/anonex/anonex/cardbridge/applet"
	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/cardbridge/desk"
	"github.com/anonex/anonex/cardbridge/pcsc"
	"github.com/anonex/anonex/cardbridge/vcard"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// CardInfo describes one devnet card in devnet.json.
type CardInfo struct {
	Reader    string `json:"reader"` // PC/SC reader name ("" when in-process)
	Index     int    `json:"reader_index"`
	Address   string `json:"address"`
	Owner     string `json:"owner"`
	PIN       string `json:"pin"`
	PUK       string `json:"puk"`
	SetAmount string `json:"set_amount"`
	// Purses are what the card can spend (T − D) in each of its purses,
	// in the asset's units with its symbol, when the devnet started.
	Purses    []string `json:"purses"`
	State     string   `json:"state"`     // the virtual card's state file
	Transport string   `json:"transport"` // pcsc | file
}

// TerminalInfo configures `anonex terminal` on the devnet.
type TerminalInfo struct {
	Payee   string            `json:"payee"`
	Trusted []string          `json:"trusted"`
	Floor   map[string]string `json:"floor"` // asset id → amount in the asset's units
	Queue   string            `json:"queue"`
}

// cardLoadETH is the ETH each devnet card holds: 0.05 ETH. Its purse's
// limits, in ETH: offline up to 0.01 ETH, without PIN up to 0.005 ETH
// (about 15 EUR at the devnet's rate: a 20.00 EUR purchase converted from
// ETH needs the PIN though the EUR purse's no-PIN limit is 25.00).
var (
	cardLoadETH       = uint256.NewInt(5e16)
	cardOfflineCapETH = uint256.NewInt(1e16)
	cardNoPINETH      = uint256.NewInt(5e15)
)

// The devnet's card parameters.
const (
	// GiftCard is the devnet card that also holds the demo merchant's
	// gift cards: a GIFT purse, loaded with cardLoadGIFT by the merchant
	// (a gift card sold onto the holder's card). It is the last of the
	// default two, the card the devnet's kiosk shows: there the gift
	// shop is emphasized for GIFT (its merchant issued it) and for EUR,
	// and no other store takes the GIFT.
	GiftCard     = 1
	cardLoadGIFT = 20_00 // 20.00 GIFT

	cardLoad       = 100_00 // 100.00 EUR, and cardLoadETH
	terminalFloor  = 20_00  // offline up to 20.00
	cardOfflineCap = 50_00  // EUR purse: offline up to 50.00 EUR …
	cardNoPIN      = 25_00  // … and without PIN up to 25.00 EUR
	cardOfflineMax = 5
	cardPUK        = "12345678"
)

// NoPCSCNotice is shown when the devnet cannot reach pcscd.
const NoPCSCNotice = "pcscd is not running (or vpcd is missing): the devnet's cards run in-process instead of through the PC/SC stack. " +
	"To use real readers: sudo apt-get install -y pcscd vsmartcard-vpcd libpcsclite-dev && sudo pcscd --foreground &"

// devCard is a virtual card the devnet keeps in a reader.
type devCard struct {
	medium *applet.FileMedium
	slot   *vcard.Slot
	card   *applet.Applet
}

func (c *devCard) close() error {
	var errs []error
	if c.slot != nil {
		if err := c.slot.Remove(); err != nil && !errors.Is(err, vcard.ErrSlotEmpty) {
			errs = append(errs, err)
		}
	}
	if c.medium != nil {
		errs = append(errs, c.medium.Close())
	}
	return errors.Join(errs...)
}

// pcscReaders opens PC/SC and checks the vpcd readers are there.
func pcscReaders(n int) (*pcsc.Context, []string, error) {
	pc, err := pcsc.Open()
	if err != nil {
		return nil, nil, err
	}
	var readers []string
	for i := 0; i < n; i++ {
		r, err := pc.VPCDReader(i)
		if err != nil {
			pc.Release()
			return nil, nil, err
		}
		readers = append(readers, r)
	}
	return pc, readers, nil
}

// startCards makes the devnet's cards: each a virtual card with its state
// in the devnet directory, in vpcd reader i through pcscd when it runs,
// personalized by the issuer for holder-(i+1) and loaded with 100.00 EUR
// and 0.05 ETH; card GiftCard also with 20.00 GIFT, the merchant's.
func (d *Devnet) startCards(ctx context.Context, cfg Config, keys []*account.Key) error {
	eur, err := ledger.ParseHash(d.Info.Assets[0].ID)
	if err != nil {
		return err
	}
	eth, gift := d.AssetID("ETH"), d.AssetID("GIFT")
	merchant := keys[4]
	issuerNode := client.New(d.Nodes[0].APIURL(), d.Nodes[0].APIToken())
	pc, readers, perr := pcscReaders(cfg.Cards)
	if perr != nil {
		d.Info.CardNotice = NoPCSCNotice + " (" + perr.Error() + ")"
		d.log.Warn(d.Info.CardNotice)
	} else {
		defer pc.Release()
	}
	if err := os.MkdirAll(filepath.Join(d.Dir, "cards"), 0o700); err != nil {
		return err
	}
	for i := 0; i < cfg.Cards; i++ {
		owner := keys[1+i%3]
		info := CardInfo{Index: i, Owner: owner.Address().Hex(), PIN: fmt.Sprintf("12345%d", i), PUK: cardPUK,
			State: filepath.Join(d.Dir, "cards", fmt.Sprintf("card-%d.state", i)), Transport: "file"}
		medium, err := applet.OpenFileMedium(info.State)
		if err != nil {
			return err
		}
		card, err := applet.New(medium, rand.Reader)
		if err != nil {
			medium.Close()
			return err
		}
		dc := &devCard{medium: medium, card: card}
		d.cards = append(d.cards, dc)
		var tr cardclient.Transport = cardclient.Direct{Card: card}
		var handle *pcsc.Card
		if perr == nil {
			info.Reader, info.Transport = readers[i], "pcsc"
			dc.slot = vcard.NewSlot(vcard.ReaderAddr(i))
			if err := dc.slot.Insert(card); err != nil {
				return fmt.Errorf("devnet: card %d into %s: %w", i, readers[i], err)
			}
			if handle, err = connectFresh(ctx, pc, readers[i]); err != nil {
				return fmt.Errorf("devnet: card %d in %s: %w", i, readers[i], err)
			}
			tr = handle
		}
		cl := cardclient.New(tr)
		sel, err := cl.Select()
		if err != nil {
			return fmt.Errorf("devnet: card %d: %w", i, err)
		}
		if sel.Life == cardproto.LifeBlank {
			// EUR first, then ETH: what the card converts from when a
			// terminal prices in EUR beyond its EUR. Each purse has its
			// own limits, in its own units.
			setup := client.CardSetup{Owner: owner.Address(), PIN: info.PIN, PUK: info.PUK, Assets: []ledger.Hash{eur, eth},
				Limits: []cardproto.Limits{
					{OfflineCap: *uint256.NewInt(cardOfflineCap), OfflineMax: cardOfflineMax, NoPinLimit: *uint256.NewInt(cardNoPIN)},
					{OfflineCap: *cardOfflineCapETH, OfflineMax: cardOfflineMax, NoPinLimit: *cardNoPINETH},
				}, OwnerPub: owner.PublicKey()}
			if i == GiftCard {
				// After EUR and ETH: a conversion at a terminal that
				// prices in EUR tries the card's ETH first.
				setup.Assets = append(setup.Assets, gift)
				setup.Limits = append(setup.Limits, cardproto.Limits{OfflineCap: *uint256.NewInt(cardOfflineCap), OfflineMax: cardOfflineMax,
					NoPinLimit: *uint256.NewInt(cardNoPIN)})
			}
			_, reg, err := client.InitCard(ctx, cl, issuerNode, setup)
			if err != nil {
				return fmt.Errorf("devnet: card %d: %w", i, err)
			}
			if st, err := issuerNode.WaitTx(ctx, reg); err != nil || st.Status != api.TxSettled {
				return fmt.Errorf("devnet: card %d registration: %v %+v", i, err, st)
			}
			if _, _, err := client.LoadCard(ctx, cl, issuerNode, owner, eur, uint256.NewInt(cardLoad)); err != nil {
				return fmt.Errorf("devnet: load card %d: %w", i, err)
			}
			if _, _, err := client.LoadCard(ctx, cl, issuerNode, owner, eth, cardLoadETH); err != nil {
				return fmt.Errorf("devnet: load card %d with ETH: %w", i, err)
			}
			if i == GiftCard {
				// The merchant sells the holder a gift card onto the card:
				// the GIFT comes from the merchant's account.
				if _, _, err := client.LoadCard(ctx, cl, issuerNode, merchant, gift, uint256.NewInt(cardLoadGIFT)); err != nil {
					return fmt.Errorf("devnet: load card %d with GIFT: %w", i, err)
				}
			}
		}
		status, err := cl.Status()
		if err != nil {
			return err
		}
		info.Address = status.Address.Hex()
		if p := status.Purses; len(p) > 0 {
			info.SetAmount = ledger.FormatAmount(client.SetAmount(&p[0], &status.ReceivedValue), 2)
		}
		for _, p := range status.Purses {
			info.Purses = append(info.Purses, d.showPurse(&p))
		}
		if handle != nil {
			handle.Close()
		}
		d.Info.Cards = append(d.Info.Cards, info)
	}
	if perr != nil {
		// In-process cards live in their state files: release them so
		// `anonex terminal` can open them.
		for _, c := range d.cards {
			c.close()
		}
		d.cards = nil
	}
	d.Info.Terminal = &TerminalInfo{Payee: keys[4].Address().Hex(), Trusted: []string{keys[0].Address().Hex()},
		Floor: map[string]string{eur.Hex(): ledger.FormatAmount(uint256.NewInt(terminalFloor), 2)},
		Queue: filepath.Join(d.Dir, "terminal")}
	return nil
}

// showPurse is what a purse can spend (T − D), in its asset's units.
func (d *Devnet) showPurse(p *cardproto.Purse) string {
	spend := new(uint256.Int)
	if p.T.Gt(&p.D) {
		spend.Sub(&p.T, &p.D)
	}
	for _, a := range d.Info.Assets {
		if id, err := ledger.ParseHash(a.ID); err == nil && id == p.Asset {
			return ledger.FormatAmount(spend, a.Decimals) + " " + a.Symbol
		}
	}
	return spend.Dec() + " of " + p.Asset.Hex()
}

// PullCard takes devnet card i out of its reader, as a cardholder would;
// ReinsertCard puts a card (the same one, or another) back. Tests use them
// to pull cards mid-payment and to insert clones.
func (d *Devnet) PullCard(i int) error {
	if i >= len(d.cards) || d.cards[i].slot == nil {
		return fmt.Errorf("devnet: card %d is not in a reader", i)
	}
	return d.cards[i].slot.Remove()
}

// ReinsertCard puts card into the reader of devnet card i.
func (d *Devnet) ReinsertCard(i int, card vcard.Card) error {
	if i >= len(d.cards) || d.cards[i].slot == nil {
		return fmt.Errorf("devnet: card %d has no reader", i)
	}
	return d.cards[i].slot.Insert(card)
}

// OpenCardState loads a copy of devnet card i's memory as a new applet
// (a clone of the card, key included: what an attacker who extracted the
// key would hold).
func (d *Devnet) OpenCardState(i int) (*applet.Applet, error) {
	if i >= len(d.Info.Cards) {
		return nil, fmt.Errorf("devnet: no card %d", i)
	}
	b, err := os.ReadFile(d.Info.Cards[i].State)
	if err != nil {
		return nil, err
	}
	m := applet.NewMemMedium()
	if _, err := m.WriteAt(b, 0); err != nil {
		return nil, err
	}
	return applet.New(m, rand.Reader)
}

// CardApplet is devnet card i itself (the applet in its reader).
func (d *Devnet) CardApplet(i int) *applet.Applet { return d.cards[i].card }

// connectFresh connects to the card just inserted in reader. pcscd polls
// for presence about every 400 ms: a card pulled and a new one inserted
// within one poll can look like the old one still there, and the first
// transmit then fails; wait for pcscd to catch up and connect again.
func connectFresh(ctx context.Context, pc *pcsc.Context, reader string) (*pcsc.Card, error) {
	for attempt := 0; ; attempt++ {
		if err := pc.WaitCard(ctx, reader); err != nil {
			return nil, err
		}
		h, err := pc.Connect(reader)
		if err == nil {
			if _, err = cardclient.New(h).Select(); err == nil {
				return h, nil
			}
			h.Close()
		}
		if attempt == 3 || !errors.Is(err, pcsc.ErrCardRemoved) && !errors.Is(err, pcsc.ErrCardReset) && !errors.Is(err, pcsc.ErrNoCard) {
			return nil, err
		}
		wctx, cancel := context.WithTimeout(ctx, time.Second)
		pc.WaitRemoved(wctx, reader)
		cancel()
	}
}

// waitReadersEmpty waits (a little) until pcscd has seen the devnet's
// cards leave their readers, so the next user of the readers starts clean.
func (d *Devnet) waitReadersEmpty() {
	pc, err := pcsc.Open()
	if err != nil {
		return
	}
	defer pc.Release()
	for _, c := range d.Info.Cards {
		if c.Transport != "pcsc" {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		pc.WaitRemoved(ctx, c.Reader)
		cancel()
	}
}

// PresentCard takes card i out of its reader and puts it in vpcd reader n:
// the card presented at another reader (a kiosk's, a terminal's). It
// needs the cards to run through pcscd.
func (d *Devnet) PresentCard(i, n int) error {
	c, err := d.pcscCard(i)
	if err != nil {
		return err
	}
	if err := c.slot.Remove(); err != nil && !errors.Is(err, vcard.ErrSlotEmpty) {
		return err
	}
	c.slot = vcard.NewSlot(vcard.ReaderAddr(n))
	if err := c.slot.Insert(c.card); err != nil {
		return fmt.Errorf("devnet: card %d into reader %d: %w", i, n, err)
	}
	d.Info.Cards[i].Reader, d.Info.Cards[i].Index = pcsc.VPCDReaderName(n), n
	return nil
}

// WithdrawCard takes card i out of its reader.
func (d *Devnet) WithdrawCard(i int) error {
	c, err := d.pcscCard(i)
	if err != nil {
		return err
	}
	if err := c.slot.Remove(); err != nil && !errors.Is(err, vcard.ErrSlotEmpty) {
		return err
	}
	return nil
}

func (d *Devnet) pcscCard(i int) (*devCard, error) {
	if i < 0 || i >= len(d.cards) {
		return nil, fmt.Errorf("devnet: no card %d", i)
	}
	if d.cards[i].slot == nil {
		return nil, errors.New("devnet: the cards run in process (pcscd is not running): none is in a reader")
	}
	return d.cards[i], nil
}

// readers are the devnet's card readers as its first node serves them to
// the web app (node.Config.Readers): pcscd's readers, or, when the devnet
// runs its cards in process (pcscd was not available), the cards' state
// files by index, each opened for the call (as `anonex card` opens them:
// the devnet released them once the cards were made).
type readers struct{ d *Devnet }

// pick is the readers to serve now.
func (r readers) pick() cardbridge.Readers {
	r.d.mu.Lock()
	defer r.d.mu.Unlock()
	var states map[int]string
	for _, c := range r.d.Info.Cards {
		if c.Transport == "pcsc" {
			return cardbridge.Readers{}
		}
		if states == nil {
			states = map[int]string{}
		}
		states[c.Index] = c.State
	}
	return cardbridge.Readers{States: states}
}

func (r readers) List(ctx context.Context) ([]cardbridge.Reader, error) {
	return r.pick().List(ctx)
}

func (r readers) Open(ctx context.Context, i int) (cardclient.Transport, func() error, error) {
	return r.pick().Open(ctx, i)
}

// webTerminalDir is the record queue of the terminal node 0 runs for the
// web app (a snapshot keeps it with the cards).
func (d *Devnet) webTerminalDir() string { return filepath.Join(d.Dir, "web-terminal") }

// webTerminal is the settings of the merchant terminal the first node
// runs for its web app (desk.Config.Terminal): the devnet's terminal
// (Info.Terminal: payee, trusted issuer, floor), but with a record queue
// of its own, web-terminal in the devnet directory, since `anonex
// terminal pay --devnet` holds the devnet's terminal queue while it runs
// and a Pebble store has one opener.
func (d *Devnet) webTerminal() (desk.TerminalSettings, error) {
	d.mu.Lock()
	t := d.Info.Terminal
	d.mu.Unlock()
	if t == nil {
		return desk.TerminalSettings{}, errors.New("the devnet has no cards, so no terminal (anonex devnet --cards 2)")
	}
	set := desk.TerminalSettings{Queue: d.webTerminalDir(), Floor: map[ledger.Hash]string{}}
	var err error
	if set.Payee, err = ledger.ParseAddress(t.Payee); err != nil {
		return set, err
	}
	for _, s := range t.Trusted {
		a, err := ledger.ParseAddress(s)
		if err != nil {
			return set, err
		}
		set.Trusted = append(set.Trusted, a)
	}
	for k, v := range t.Floor {
		id, err := ledger.ParseHash(k)
		if err != nil {
			return set, err
		}
		set.Floor[id] = v
	}
	return set, nil
}
