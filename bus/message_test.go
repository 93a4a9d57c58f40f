package bus

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/fetchd/fetchd/actors/hub"
)

// A message crosses the bus unchanged, and a compressed slot that is the
// plain frame itself crosses once.
func TestAMessageCrossesTheBusUnchanged(t *testing.T) {
	plain := []byte("\x81\x05hello")
	m := Message{At: hub.Position{Epoch: "E1", Seq: 42}, Numbered: true, N: 9,
		Frames:     [slots][]byte{plain, plain, []byte("\x81\x01a\x81\x01b"), []byte("\xc1\x02zz")},
		EventsKeys: [][]string{{"b1", "t1", "t2"}, {"b2"}}}
	data := m.Marshal()
	if n := bytes.Count(data, plain); n != 1 {
		t.Fatalf("the uncompressed frame is on the wire %d times, want once", n)
	}
	var got Message
	if err := got.Unmarshal(data); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("got %+v\nwant %+v", got, m)
	}
	end := Message{End: true, At: m.At}
	if err := got.Unmarshal(end.Marshal()); err != nil || !got.End || got.At != m.At {
		t.Fatalf("end message: %+v, %v", got, err)
	}
	s := Snapshot{At: m.At, Frame: plain}
	var gs Snapshot
	if err := gs.Unmarshal(s.Marshal()); err != nil || !reflect.DeepEqual(gs, s) {
		t.Fatalf("snapshot: %+v, %v", gs, err)
	}
}

// Anything else on the subject is refused, never a panic or a huge allocation.
func FuzzMessage(f *testing.F) {
	m := Message{At: hub.Position{Epoch: "E", Seq: 7}, Frames: [slots][]byte{[]byte("\x81\x01x")}, EventsKeys: [][]string{{"k"}}}
	f.Add(m.Marshal())
	f.Add((&Snapshot{At: m.At, Frame: []byte("x")}).Marshal())
	f.Add([]byte{1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Message
		if m.Unmarshal(data) == nil {
			again := m.Marshal()
			var m2 Message
			if err := m2.Unmarshal(again); err != nil || !reflect.DeepEqual(m, m2) {
				t.Fatalf("a message it took does not cross again: %v", err)
			}
		}
		var s Snapshot
		s.Unmarshal(data)
	})
}
