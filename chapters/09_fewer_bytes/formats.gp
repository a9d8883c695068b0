# formats.gp — chapter 09's --bench plot: decode tokens/s of every combination of weight and
# cache formats, with each weight format's ceiling.
# ./chapter09 --bench sets these variables, then loads this file:
#   csv    the CSV it wrote (weights,kv,ms_per_step,ms_min,ms_max,tokens_per_s,ceiling_tokens_per_s)
#   out    the picture to write
#   model  what was timed
set terminal pngcairo size 900,560 font 'sans,10'
set output out
set datafile separator ','
set title sprintf('Decode speed by number format (%s)', model)
set ylabel 'tokens/s'
set style data histograms
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set yrange [0:*]
set grid ytics
set key top left
set xtics rotate by -30
plot csv every ::1 using 6:xticlabels(sprintf('%s weights, %s cache', strcol(1), strcol(2))) lc rgb '#2471a3' title 'measured (median)', \
     ''  every ::1 using 7 lc rgb '#bbbbbb' title 'ceiling: one sweep over the weights'
