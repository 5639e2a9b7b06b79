# callers.py DIR PREFIX [DEPTH]: the call paths (up to DEPTH frames) of samples in functions named PREFIX..., ms per run
import json,sys,glob,collections,os
pat=sys.argv[2]; depth=int(sys.argv[3]) if len(sys.argv)>3 else 4
c=collections.Counter(); n=0
for f in glob.glob(sys.argv[1]+'/*.cpuprofile'):
    p=json.load(open(f)); n+=1
    nodes={x['id']:x for x in p['nodes']}; parent={}
    for x in p['nodes']:
        for ch in x.get('children',[]): parent[ch]=x['id']
    name=lambda i: (lambda cf: f"{cf['functionName'] or '(anon)'}@{os.path.basename(cf.get('url',''))}:{cf.get('lineNumber',-1)+1}")(nodes[i]['callFrame'])
    for s,dt in zip(p['samples'],p['timeDeltas']):
        chain=[];i=s
        while i is not None: chain.append(name(i)); i=parent.get(i)
        for j,nm in enumerate(chain):
            if nm.startswith(pat):
                c[' < '.join(chain[j:j+depth])]+=dt; break
for k,v in c.most_common(15): print("%6.2f %s"%(v/n/1000,k[:300]))
