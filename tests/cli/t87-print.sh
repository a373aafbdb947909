#!/bin/sh
# docket print (the 审批单) and doc export --pdf (the GB/T 9704 layout):
# each PDF is read back with poppler's tools as a reader would see it —
# A4, the pages it should have, the text on them (the title, every
# opinion, the date written 2025年11月4日), and a rendered page that is
# neither blank nor a black slab.
. "$TESTS_DIR/cli/lib.sh"
export LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8

# pages FILE: the page count pdfinfo reads
pages() {
	pdfinfo "$1" | sed -n 's/^Pages: *//p'
}

# a4 FILE: every page is A4 (595.276 x 841.89 points)
a4() {
	pdfinfo -f 1 -l "$(pages "$1")" "$1" | grep "^Page.*size:" >sizes && test -s sizes &&
	! grep -v "595.276 x 841.89 pts (A4)" sizes
}

# ink FILE PAGE: dark pixels on PAGE rendered at 50 dpi in grey (414 x 585 pixels)
ink() {
	pdftoppm -f "$2" -l "$2" -r 50 -gray "$1" ink &&
	python3 - ink-*.pgm <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
# P5, width height, maxval, then the pixels
magic, dims, maxval, px = d.split(b"\n", 3)
w, h = map(int, dims.split())
assert magic == b"P5" and len(px) == w * h, (magic, dims, len(px))
print(sum(1 for b in px if b < 128))
PY
	rm -f ink-*.pgm
}

test_expect_success 'the 审批单 of a request: fields, the trail with every opinion, who and when' '
	signed_store s &&
	r=$(newreq zhang.wei leave --set type=annual --set start=2026-03-03 --set end=2026-03-05 \
		--set reason=探亲 --title "年假 - 张伟") &&
	echo "$r" >req &&
	at 10:15 d -u huang.wei approve "$r" -m "同意，请安排好工作交接。" &&
	d -u zhang.wei print "$r" --pdf form.pdf 2>err &&
	grep "已将 $r 的审批单写入“form.pdf”" err &&
	test "$(pages form.pdf)" = 1 && a4 form.pdf &&
	pdfinfo form.pdf | grep "^Title: *请假审批单$" &&
	pdftotext form.pdf form.txt &&
	grep "^请假审批单$" form.txt &&
	grep "年假 - 张伟" form.txt && grep "探亲" form.txt &&
	grep "同意，请安排好工作交接。" form.txt &&
	grep "黄伟" form.txt && grep "2026-03-02 10:15" form.txt &&
	grep "已同意 @部门负" form.txt &&
	n=$(ink form.pdf 1) && echo "dark pixels: $n" &&
	test "$n" -gt 2000 && test "$n" -lt 40000
'

test_expect_success 'print needs --pdf, and reads only what show may read' '
	r=$(cat req) &&
	expect_exit 2 d -u zhang.wei print "$r" 2>err && grep "docket print ID --pdf" err &&
	expect_exit 5 d -u gao.yan show "$r" 2>/dev/null &&
	expect_exit 5 d -u gao.yan print "$r" --pdf other.pdf 2>err &&
	test ! -e other.pdf
'

test_expect_success 'a link planted where the PDF goes is replaced, never written through' '
	r=$(cat req) &&
	echo keep >victim && ln -s victim planted.pdf &&
	d -u zhang.wei print "$r" --pdf planted.pdf 2>/dev/null &&
	test "$(cat victim)" = keep && test ! -L planted.pdf &&
	test "$(pages planted.pdf)" = 1
'

test_expect_success 'doc export --pdf: the GB/T 9704 layout, its date as 2025年11月4日' '
	printf "各区、各部门：\n　　现将有关事项通知如下。\n本通知自印发之日起施行。\n" >body.md &&
	id=$(d -u wang.fang doc new --title "关于做好2026年春节假期值班工作的通知" --body-file body.md \
		--organ 市财政局 --number "市财发〔2026〕12号" --urgency 加急 --recipients "各区人民政府" \
		--signature 市财政局 --date 2025-11-04 --cc 市委办公厅 --printer 市财政局办公室 \
		--print-date 2025-11-05) &&
	echo "$id" >doc &&
	d -u wang.fang doc export "$id" --pdf doc.pdf 2>err && grep "doc.pdf" err &&
	test "$(pages doc.pdf)" = 1 && a4 doc.pdf &&
	pdftotext -layout doc.pdf doc.txt &&
	grep "^ *市财政局$" doc.txt && grep "市财发〔2026〕12号" doc.txt && grep "加急" doc.txt &&
	grep "关于做好2026年春节假期值班工作的通知" doc.txt && grep "^各区人民政府：$" doc.txt &&
	grep "现将有关事项通知如下。" doc.txt &&
	grep "2025年11月4日$" doc.txt && ! grep "2025-11-04" doc.txt &&
	grep "抄送：市委办公厅。" doc.txt && grep "2025年11月5日印发" doc.txt &&
	n=$(ink doc.pdf 1) && echo "dark pixels: $n" &&
	test "$n" -gt 1500 && test "$n" -lt 40000
'

test_expect_success 'a long body goes on over the pages; 版记 is at the foot of the last one' '
	python3 -c "
for i in range(60):
    print(\"第%d段：本段文字用于检验分页。\" % (i + 1))" >long.md &&
	id=$(d -u wang.fang doc new --title 关于分页的通知 --body-file long.md --signature 市财政局 \
		--date 2026/3/2 --cc 市委办公厅) &&
	d -u wang.fang doc export "$id" --pdf long.pdf 2>/dev/null &&
	n=$(pages long.pdf) && test "$n" -ge 3 && a4 long.pdf &&
	pdftotext -f "$n" -l "$n" long.pdf last.txt && grep "抄送：市委办公厅。" last.txt &&
	pdftotext long.pdf all.txt && grep "第60段" all.txt && grep "^2026年3月2日$" all.txt &&
	pdftotext -f 1 -l 1 long.pdf first.txt && ! grep "抄送" first.txt && grep "第1段" first.txt &&
	pdftotext -f 2 -l 2 long.pdf second.txt && grep "^—2—$" second.txt && ! grep "第1段：" second.txt &&
	test "$(ink long.pdf 2)" -gt 1500
'

test_done
