# heatmap.gp — chapter 02's picture of one head: keys on x, queries on y (first token at the
# top), one cell per (query, key) weight. ./chapter02 --layer L --head H sets these variables,
# then loads this file:
#   csv     the weights it wrote: a header row of key tokens, then one row per query
#           (its token first, then its weight on every key)
#   out     the picture to write
#   title   e.g. "GPT-2 attention weights, layer 5 head 1"
#   tokens  how many tokens (the picture grows with them)
set terminal svg noenhanced size (tokens * 40 + 200 > 640 ? tokens * 40 + 200 : 640), \
                                 (tokens * 36 + 180 > 560 ? tokens * 36 + 180 : 560) font 'sans,11'
set output out
set datafile separator ','
set title title
set xlabel 'key (the token looked at)'
set ylabel 'query (the token looking)'
set yrange [:] reverse
set cbrange [0:1]
set cblabel 'weight'
set palette defined (0 'white', 0.25 '#9ecae1', 1 '#08306b')
set xtics rotate by -60 font ',9'
set ytics font ',9'
set tics scale 0
unset key
# the CSV's header row and first column become the tick labels
plot csv matrix rowheaders columnheaders using 1:2:3 with image
