package pcsctest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/cardbridge/pcsc"
	"github.com/anonex/anonex/cardbridge/vcard"
)

// waitTimeout bounds every wait for pcscd to see a card come or go (it
// polls about every 400 ms).
const waitTimeout = 10 * time.Second

var selectCmd = apdu.Command{CLA: 0x00, INS: insSelect, P1: 0x04, Data: toyAID, Le: 256}

func openContext(t *testing.T) *pcsc.Context {
	t.Helper()
	ctx, err := pcsc.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctx.Release() })
	return ctx
}

// insert puts card into vpcd reader n and waits (GetStatusChange) until
// pcscd sees it. Cleanup pulls it and waits until pcscd sees the reader
// empty, so the next test starts from a known state.
func insert(t *testing.T, pc *pcsc.Context, n int, card vcard.Card) (*vcard.Slot, string) {
	t.Helper()
	reader, err := pc.VPCDReader(n)
	if err != nil {
		t.Fatal(err)
	}
	slot := vcard.NewSlot(vcard.ReaderAddr(n))
	if err := slot.Insert(card); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if slot.Inserted() {
			slot.Remove()
		}
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := pc.WaitRemoved(ctx, reader); err != nil {
			t.Errorf("reader %q not empty after the test: %v", reader, err)
		}
	})
	waitCard(t, pc, reader)
	return slot, reader
}

func waitCard(t *testing.T, pc *pcsc.Context, reader string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	start := time.Now()
	if err := pc.WaitCard(ctx, reader); err != nil {
		t.Fatalf("WaitCard(%q): %v", reader, err)
	}
	t.Logf("%s: card seen after %v", reader, time.Since(start).Round(time.Millisecond))
}

func connect(t *testing.T, pc *pcsc.Context, reader string) *pcsc.Card {
	t.Helper()
	card, err := pc.Connect(reader)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { card.Close() })
	return card
}

func mustOK(t *testing.T, card *pcsc.Card, cmd apdu.Command) apdu.Response {
	t.Helper()
	r, err := card.Transmit(cmd)
	if err != nil {
		t.Fatalf("%v: %v", cmd, err)
	}
	if err := r.Err(); err != nil {
		t.Fatalf("%v: %v", cmd, err)
	}
	return r
}

func TestReadersAndATR(t *testing.T) {
	pc := openContext(t)
	rs, err := pc.Readers()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("readers: %q", rs)
	if r, err := pc.VPCDReader(0); err != nil || !strings.Contains(r, "Virtual PCD 00 00") {
		t.Fatalf("reader 0: %q %v", r, err)
	}
	// A reader that is not there: the readers that are, by index.
	if _, err := pc.VPCDReader(7); !errors.Is(err, pcsc.ErrUnknownReader) || !strings.Contains(err.Error(), "no reader 7") ||
		!strings.Contains(err.Error(), "0 (Virtual PCD 00 00)") || !strings.Contains(err.Error(), "1 (Virtual PCD 00 01)") {
		t.Fatalf("reader 7: %v", err)
	}
	if _, err := pc.Connect(rs[0]); !errors.Is(err, pcsc.ErrNoCard) {
		t.Fatalf("connect to an empty reader: %v", err)
	}
	// WaitCard ends with its context (SCardCancel), not at a poll.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := pc.WaitCard(ctx, rs[0]); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 900*time.Millisecond {
		t.Fatalf("WaitCard on an empty reader: %v after %v", err, time.Since(start))
	}
	if err := pc.WaitCard(context.Background(), "No Such Reader 99"); !errors.Is(err, pcsc.ErrUnknownReader) {
		t.Fatalf("WaitCard on an unknown reader: %v", err)
	}
	toy := newToyCard("atr")
	_, reader := insert(t, pc, 0, toy)
	card := connect(t, pc, reader)
	atr, err := card.ATR()
	if err != nil || !bytes.Equal(atr, vcard.DefaultATR) {
		t.Fatalf("ATR % X, %v", atr, err)
	}
	if card.Protocol() != "T=1" {
		t.Fatalf("protocol %s", card.Protocol())
	}
	if resets, _ := toy.stats(); resets == 0 {
		t.Fatal("the card was never reset by power-on")
	}
}

// TestTwoReaders runs a card in each vpcd reader at once, with exchanges
// on both in parallel.
func TestTwoReaders(t *testing.T) {
	pc := openContext(t)
	names := []string{"alpha", "beta"}
	cards := make([]*pcsc.Card, 2)
	for n, name := range names {
		_, reader := insert(t, pc, n, newToyCard(name))
		cards[n] = connect(t, pc, reader)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for n, card := range cards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				r, err := card.Transmit(apdu.Command{CLA: 0x80, INS: insName, Le: 256})
				if err != nil || r.SW != apdu.SWOK || string(r.Data) != names[n] {
					errs <- fmt.Errorf("reader %d, round %d: %q %v %v", n, i, r.Data, r, err)
					return
				}
				payload := []byte(fmt.Sprintf("%s-%d", names[n], i))
				r, err = card.Transmit(apdu.Command{CLA: 0x80, INS: insEcho, Data: payload, Le: 256})
				if err != nil || !bytes.Equal(r.Data, payload) {
					errs <- fmt.Errorf("reader %d echo %d: %q %v", n, i, r.Data, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestLongResponse: 300 bytes come as 256 + 61 2C, then GET RESPONSE; the
// terminal joins them.
func TestLongResponse(t *testing.T) {
	pc := openContext(t)
	_, reader := insert(t, pc, 0, newToyCard("long"))
	card := connect(t, pc, reader)
	mustOK(t, card, selectCmd)

	raw, err := card.TransmitRaw([]byte{0x80, insGetData, 0, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 258 || raw[256] != 0x61 || raw[257] != 0x2C {
		t.Fatalf("raw answer: %d bytes, ending % X", len(raw), raw[len(raw)-2:])
	}
	r := mustOK(t, card, apdu.Command{CLA: 0x80, INS: insGetData, Le: 256})
	if !bytes.Equal(r.Data, longData()) {
		t.Fatalf("joined %d bytes, want the %d-byte pattern", len(r.Data), longLen)
	}
	// Status words other than 9000 are answers, not errors.
	r, err = card.Transmit(apdu.Command{CLA: 0x80, INS: 0x77, Le: apdu.NoLe})
	if err != nil || r.SW != apdu.SWINSNotSupported || !errors.Is(r.Err(), &apdu.SWError{SW: 0x6D00}) {
		t.Fatalf("unknown INS: %v %v", r, err)
	}
}

// TestChainedCommand: 600 bytes go as 255 + 255 + 90 with CLA bit 0x10;
// the card joins them.
func TestChainedCommand(t *testing.T) {
	pc := openContext(t)
	toy := newToyCard("chain")
	_, reader := insert(t, pc, 1, toy)
	card := connect(t, pc, reader)
	mustOK(t, card, selectCmd)

	data := make([]byte, 600)
	for i := range data {
		data[i] = byte(i ^ 0x5A)
	}
	r := mustOK(t, card, apdu.Command{CLA: 0x80, INS: insPutData, Data: data, Le: 256})
	if sum := sha256.Sum256(data); !bytes.Equal(r.Data, sum[:]) {
		t.Fatal("the card joined different data")
	}
	if _, parts := toy.stats(); parts != 3 {
		t.Fatalf("card saw %d parts, want 3", parts)
	}
	// A chain interrupted by another command is refused (6985).
	part := apdu.Chain(apdu.Command{CLA: 0x80, INS: insPutData, Data: data, Le: 256})[0]
	b, _ := part.Bytes()
	if raw, err := card.TransmitRaw(b); err != nil || !bytes.Equal(raw, []byte{0x90, 0x00}) {
		t.Fatalf("first part: % X %v", raw, err)
	}
	r, err := card.Transmit(apdu.Command{CLA: 0x80, INS: insEcho, Data: []byte{1}, Le: 256})
	if err != nil || r.SW != apdu.SWConditionsNotSatisfied {
		t.Fatalf("interleaved: %v %v", r, err)
	}
}

// TestCardPulledMidCommand pulls the card while the terminal waits for its
// answer: the terminal gets ErrCardRemoved, and after the card is back it
// reconnects and works.
func TestCardPulledMidCommand(t *testing.T) {
	pc := openContext(t)
	toy := newToyCard("pulled")
	slot, reader := insert(t, pc, 0, toy)
	card := connect(t, pc, reader)
	mustOK(t, card, selectCmd)

	errc := make(chan error, 1)
	go func() {
		_, err := card.Transmit(apdu.Command{CLA: 0x80, INS: insBlock, Le: apdu.NoLe})
		errc <- err
	}()
	select {
	case <-toy.entered:
	case <-time.After(waitTimeout):
		t.Fatal("the card never got the command")
	}
	pulled := time.Now()
	if err := slot.Remove(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		t.Logf("transmit failed %v after the pull: %v", time.Since(pulled).Round(time.Millisecond), err)
		if !errors.Is(err, pcsc.ErrCardRemoved) {
			t.Fatalf("want ErrCardRemoved, got %v", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("transmit did not return after the card was pulled")
	}
	close(toy.release) // the card finishes its command; nobody hears the answer
	<-slot.Done()
	if !errors.Is(slot.Err(), vcard.ErrRemoved) {
		t.Fatalf("slot: %v", slot.Err())
	}

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := pc.WaitRemoved(ctx, reader); err != nil {
		t.Fatal(err)
	}
	if _, err := card.Transmit(selectCmd); !errors.Is(err, pcsc.ErrCardRemoved) {
		t.Fatalf("transmit to an empty reader: %v", err)
	}

	toy.release = make(chan struct{})
	if err := slot.Insert(toy); err != nil {
		t.Fatal(err)
	}
	waitCard(t, pc, reader)
	// A handle never survives a removal, even once a card is back.
	if _, err := card.Transmit(selectCmd); !errors.Is(err, pcsc.ErrCardRemoved) {
		t.Fatalf("old handle after re-insert: %v", err)
	}
	if err := card.Reconnect(); err != nil {
		t.Fatal(err)
	}
	mustOK(t, card, selectCmd)
	r := mustOK(t, card, apdu.Command{CLA: 0x80, INS: insGetData, Le: 256})
	if !bytes.Equal(r.Data, longData()) {
		t.Fatal("long response after reconnect")
	}
	// A fresh connection works too.
	fresh := connect(t, pc, reader)
	mustOK(t, fresh, selectCmd)
}

// TestStandardTools: opensc-tool and scriptor, as separate processes
// through pcscd, see the Go card and get 90 00 for SELECT.
func TestStandardTools(t *testing.T) {
	pc := openContext(t)
	_, reader := insert(t, pc, 0, newToyCard("tools"))
	const selectHex = "00:A4:04:00:08:F0:61:6E:6F:6E:65:78:01"

	t.Run("opensc-tool", func(t *testing.T) {
		path, err := exec.LookPath("opensc-tool")
		if err != nil {
			t.Fatalf("opensc-tool not installed: %s", InstallCommand)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, path, "-r", reader, "-c", "default", "-s", selectHex).CombinedOutput()
		t.Logf("opensc-tool:\n%s", out)
		if err != nil {
			t.Fatalf("opensc-tool: %v", err)
		}
		if !strings.Contains(string(out), "SW1=0x90, SW2=0x00") {
			t.Fatal("opensc-tool did not get 90 00")
		}
	})
	t.Run("scriptor", func(t *testing.T) {
		path, err := exec.LookPath("scriptor")
		if err != nil {
			t.Fatalf("scriptor not installed: %s", InstallCommand)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, path, "-r", reader)
		cmd.Stdin = strings.NewReader(strings.ReplaceAll(selectHex, ":", " ") + "\n")
		out, err := cmd.CombinedOutput()
		t.Logf("scriptor:\n%s", out)
		if err != nil {
			t.Fatalf("scriptor: %v", err)
		}
		if !strings.Contains(string(out), "90 00") {
			t.Fatal("scriptor did not get 90 00")
		}
	})
}

// TestLatency measures APDU round trips through pcscd: 500 short echoes
// with Transmit (one PC/SC transaction each) and 500 with TransmitRaw. It
// logs median and p99 and asserts nothing about time.
func TestLatency(t *testing.T) {
	pc := openContext(t)
	_, reader := insert(t, pc, 0, newToyCard("latency"))
	card := connect(t, pc, reader)
	mustOK(t, card, selectCmd)
	payload := bytes.Repeat([]byte{0xAB}, 16)
	cmd := apdu.Command{CLA: 0x80, INS: insEcho, Data: payload, Le: 256}
	raw, _ := cmd.Bytes()
	const n = 500
	measure := func(name string, f func() error) {
		ds := make([]time.Duration, n)
		for i := range ds {
			start := time.Now()
			if err := f(); err != nil {
				t.Fatalf("%s %d: %v", name, i, err)
			}
			ds[i] = time.Since(start)
		}
		slices.Sort(ds)
		t.Logf("%-12s %d APDUs: median %v, p99 %v, max %v", name, n, ds[n/2], ds[n*99/100], ds[n-1])
	}
	measure("TransmitRaw", func() error {
		rsp, err := card.TransmitRaw(raw)
		if err == nil && len(rsp) != len(payload)+2 {
			err = fmt.Errorf("answer of %d bytes", len(rsp))
		}
		return err
	})
	measure("Transmit", func() error {
		r, err := card.Transmit(cmd)
		if err == nil && !bytes.Equal(r.Data, payload) {
			err = fmt.Errorf("answer %v", r)
		}
		return err
	})
}
