# attention_staircase.gp — chapter 05's picture of what each decode step computes in attention:
# the score matrix of one head (rows = queries, columns = keys, as chapter 02 prints it) for the
# first three forward passes after the 4-token prompt "The quick brown fox".
#   naive (top): every pass is a forward over the whole sequence: all L×L scores again, the
#                upper triangle computed and then masked, the earlier rows recomputed unchanged;
#   cached (bottom): after the prefill, one new row per step: the new query against the keys
#                kept in the cache.
# It needs no data. ./chapter05 --bench sets `out` (the picture to write), then loads this file;
# by hand: gnuplot -e "out='attention_staircase.png'" chapters/05_cached_decode/attention_staircase.gp
set terminal pngcairo size 1000,640 font 'sans,10'
set output out

tokens = 'The quick brown fox t1 t2'
prompt = 4

# What happens to score (query q, key k) in the pass over L tokens: 0 not computed, 1 computed
# then masked (a key in the query's future), 2 computed again (the same value as the pass
# before), 3 computed for the first time.
naive_cell(q, k, L) = k > q ? 1 : (q < L - 1 && L > prompt ? 2 : 3)
cached_cell(q, k, L) = L == prompt ? (k > q ? 1 : 3) : (q < L - 1 ? 0 : 3)
colour(s) = s == 0 ? 0xf2f3f4 : s == 1 ? 0xaab7b8 : s == 2 ? 0xe67e22 : 0x2471a3

set multiplot layout 2, 3 title "One head's attention scores in the first three passes over \"The quick brown fox\" (rows = queries, columns = keys)" font 'sans,11' margins 0.08, 0.98, 0.14, 0.84 spacing 0.08, 0.16
set size ratio -1
set border 0
set tics scale 0
unset colorbox
set style fill solid 1.0 border lc rgb 'white'
set key off
set xtics rotate by 45 right
# Every panel has room for the third pass's 6 tokens, query 0 at the top, as in a printed table.
set xrange [-0.5 : 5.5]
set yrange [5.5 : -0.5]
set xtics ( word(tokens, 1) 0, word(tokens, 2) 1, word(tokens, 3) 2, word(tokens, 4) 3, word(tokens, 5) 4, word(tokens, 6) 5 )
set ytics ( word(tokens, 1) 0, word(tokens, 2) 1, word(tokens, 3) 2, word(tokens, 4) 3, word(tokens, 5) 4, word(tokens, 6) 5 )

# The legend along the bottom, in screen coordinates, so that it sits outside every panel.
array legend[4] = ['computed for the first time', 'recomputed: the same value as before', \
                   'computed, then masked (a future key)', 'not computed']
array legend_x[4] = [0.03, 0.245, 0.53, 0.82]
do for [i = 1:4] {
    x = legend_x[i]
    set object (10 + i) rect from screen x, 0.025 to screen x + 0.015, 0.045 \
        fc rgb colour(4 - i) fs solid 1.0 border lc rgb '#888888'
    set label (10 + i) legend[i] at screen x + 0.02, 0.035 left
}

do for [path = 1:2] {
    do for [L = prompt : prompt + 2] {
        set print $cells
        do for [q = 0 : L - 1] {
            do for [k = 0 : L - 1] {
                print sprintf('%d %d %d', k, q, path == 1 ? naive_cell(q, k, L) : cached_cell(q, k, L))
            }
        }
        unset print
        computed = 0
        do for [q = 0 : L - 1] {
            do for [k = 0 : L - 1] {
                computed = computed + ((path == 1 ? naive_cell(q, k, L) : cached_cell(q, k, L)) > 0)
            }
        }
        if (path == 1) {
            what = L == prompt ? 'naive: the prompt' : 'naive: next step'
        } else {
            what = L == prompt ? 'cached: prefill' : 'cached: decode step'
        }
        set title sprintf("%s, L = %d\n%d scores computed", what, L, computed)
        plot $cells using 1:2:(0.5):(0.5):(colour($3)) with boxxyerror lc rgb variable
    }
}

unset multiplot
