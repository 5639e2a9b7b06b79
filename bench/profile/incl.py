# incl.py DIR_A DIR_B: inclusive time per function (async stacks break at awaits), ms per run, A vs B
import json,sys,glob,collections,os
def agg(d):
    inc=collections.Counter(); n=0
    for f in glob.glob(d+'/*.cpuprofile'):
        p=json.load(open(f)); n+=1
        nodes={x['id']:x for x in p['nodes']}
        parent={}
        for x in p['nodes']:
            for c in x.get('children',[]): parent[c]=x['id']
        for s,dt in zip(p['samples'],p['timeDeltas']):
            seen=set(); i=s
            while i is not None:
                cf=nodes[i]['callFrame']; key=f"{cf['functionName'] or '(anon)'} {os.path.basename(cf.get('url',''))}:{cf.get('lineNumber',-1)+1}"
                if key not in seen: inc[key]+=dt; seen.add(key)
                i=parent.get(i)
    return {k:v/n/1000 for k,v in inc.items()}
a=agg(sys.argv[1]); b=agg(sys.argv[2])
for k in sorted(set(a)|set(b),key=lambda k:-(a.get(k,0)-b.get(k,0))):
    d=a.get(k,0)-b.get(k,0)
    if abs(d)>=0.15: print("%7.2f %7.2f %+7.2f %s"%(a.get(k,0),b.get(k,0),d,k[:120]))
