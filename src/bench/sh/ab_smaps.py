"""Resident memory of a process by mapping: the largest files, and the largest anonymous regions (python3 ab_smaps.py PID)."""
import sys,re,collections
pid=sys.argv[1]; cur=None; agg=collections.Counter(); anon=[]
for l in open(f"/proc/{pid}/smaps"):
    if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", l):
        parts=l.split(); a,b=[int(x,16) for x in parts[0].split("-")]; cur=[parts[5] if len(parts)>5 else "[anon]", (b-a)//1024, 0, parts[0]]
        anon.append(cur)
    elif l.startswith("Rss:"): cur[2]=int(l.split()[1]); agg[cur[0]]+=cur[2]
print('   ', ', '.join(f"{k.split('/')[-1]} {v/1024:.1f}" for k,v in agg.most_common(6)))
a=[x for x in anon if x[0]=='[anon]']; a.sort(key=lambda x:-x[2])
print('    anon top:', ', '.join(f"{x[3].split('-')[0][-9:]}:{x[1]//1024}M/{x[2]/1024:.1f}" for x in a[:10]))
