package sigfile

import "testing"

func benchLine(b *testing.B, kind Kind, line string) {
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if _, err := ParseLine(kind, line); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseLineHash(b *testing.B) {
	benchLine(b, KindHDB, "44d88612fea8a8f36de82e1278abb02f:68:Win.Test.EICAR_HDB-1")
}

func BenchmarkParseLineHashSHA256(b *testing.B) {
	benchLine(b, KindHSB, "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f:68:Win.Test.EICAR_HSB-1:73:255")
}

func BenchmarkParseLineNDB(b *testing.B) {
	benchLine(b, KindNDB, "Html.Exploit.Iframe-1:3:*:3c696672616d65{-40}7372633d(22|27)687474703a2f2f{1-200}77696474683d(22|27)30(22|27)")
}

func BenchmarkParseLineNDBPlain(b *testing.B) {
	benchLine(b, KindNDB, "Win.Worm.Klez-1:0:*:2d4000bd08104000e89eeaffff80bd08104000be7d2d4000e849eaffff6a00e83500000064756d6d792e65786500653a5c77696e646f77735c5379")
}

func BenchmarkParseLineLDB(b *testing.B) {
	benchLine(b, KindLDB, "Sig4;Engine:51-255,Target:1;((0|1)&(2|3))&4;EP+123:33c06834f04100f2aef7d14951684cf04100e8110a00;S2+78:22??232c2d252229{-15}6e6573(63|64)61706528;S3+50:68efa311c3b9963cb1ee8e586d32aeb9043e;f9c58dcf43987e4f519d629b103375;SL+550:6300680065005c0046006900")
}

func BenchmarkPatternString(b *testing.B) {
	p, err := ParsePattern("3c696672616d65{-40}7372633d(22|27)687474703a2f2f{1-200}77696474683d(22|27)30(22|27)")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = p.String()
	}
}
