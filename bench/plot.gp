# gnuplot script: µs per verification for ajwt, the OpenSSL floors and each peer, per algorithm.
#   gnuplot -e "datafile='bench/results/latest.dat'; outfile='bench/results/latest.png'" bench/plot.gp
# The data file (written by bench/report.py) has a header row of series names, then one row per algorithm;
# "?" marks a peer that does not support the algorithm.
if (!exists("datafile")) datafile = 'bench/results/latest.dat'
if (!exists("outfile")) outfile = 'bench/results/latest.png'
set terminal pngcairo size 1100,560 font ",10" noenhanced
set output outfile
set datafile missing "?"
set title "Verification cost per token (median thread CPU time, same run, same keys and tokens; log scale)"
set ylabel "µs per verification"
set logscale y 10
set yrange [1:*]
set grid ytics mytics
set key outside right top vertical
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics nomirror
set tics out
plot for [i=2:9] datafile using i:xtic(1) title columnheader(i)
