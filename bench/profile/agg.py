# agg.py DIR_A DIR_B [N]: self time per file and per function, ms per run, A vs B
import json,sys,glob,collections,os
def agg(d):
    self_=collections.Counter(); files=collections.Counter(); n=0; tot=0
    for f in glob.glob(d+'/*.cpuprofile'):
        p=json.load(open(f)); n+=1
        nodes={x['id']:x for x in p['nodes']}
        for s,dt in zip(p['samples'],p['timeDeltas']):
            cf=nodes[s]['callFrame']
            url=os.path.basename(cf.get('url',''))
            key=f"{cf['functionName'] or '(anon)'} {url}:{cf.get('lineNumber',-1)+1}"
            self_[key]+=dt; files[url or cf['functionName']]+=dt; tot+=dt
    return self_,files,n,tot
a,fa,na,ta=agg(sys.argv[1]); b,fb,nb,tb=agg(sys.argv[2])
print("runs",na,nb,"total ms/run %.2f %.2f"%(ta/na/1000,tb/nb/1000))
print("-- by file")
for k in sorted(set(fa)|set(fb),key=lambda k:-(fa[k]/na-fb[k]/nb))[:25]:
    print("%7.2f %7.2f %+7.2f %s"%(fa[k]/na/1000,fb[k]/nb/1000,(fa[k]/na-fb[k]/nb)/1000,k))
print("-- by function")
for k in sorted(set(a)|set(b),key=lambda k:-(a[k]/na-b[k]/nb))[:int(sys.argv[3]) if len(sys.argv)>3 else 60]:
    print("%7.2f %7.2f %+7.2f %s"%(a[k]/na/1000,b[k]/nb/1000,(a[k]/na-b[k]/nb)/1000,k[:120]))
