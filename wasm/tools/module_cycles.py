#!/usr/bin/env python3
"""Fails if any module import cycle exists in wasm/src (file level; `mod` declarations are
ownership, not imports; inline `#[cfg(test)] mod tests` are skipped).
Usage: python3 wasm/tools/module_cycles.py [wasm/src]"""
import os,re,sys
root=sys.argv[1] if len(sys.argv)>1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),'..','src')
files={}
for d,_,fs in os.walk(root):
    for f in fs:
        if f.endswith('.rs'):
            p=os.path.join(d,f); rel=os.path.relpath(p,root)
            parts=rel[:-3].split('/')
            if parts[-1] in('mod','lib'): parts=parts[:-1]
            files[tuple(parts)]=rel
def resolve(mod, path):
    # the longest module prefix of `path` that is a file
    for i in range(len(path),0,-1):
        if tuple(path[:i]) in files: return files[tuple(path[:i])]
    return None
graph={f:set() for f in files.values()}
for mod,rel in files.items():
    src=open(os.path.join(root,rel)).read()
    src=re.sub(r'#\[cfg\(test\)\]\s*mod tests\s*\{.*','',src,flags=re.S)  # drop inline tests
    # expand one level of braces: `super::{a, b::c}` -> `super::a`, `super::b::c`
    src=re.sub(r'\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^{}]*)\}', lambda m: ' '.join(m.group(1)+'::'+x.strip().split(' ')[0] for x in m.group(2).split(',') if x.strip() and x.strip()!='self'), src)
    for m in re.finditer(r'\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)',src):
        head=m.group(1); segs=m.group(2).split('::')[1:]
        if head=='crate': path=segs
        elif head=='self': path=(list(mod) if rel.endswith('mod.rs') else list(mod))+segs
        else:
            parent=list(mod)[:-1] if not rel.endswith('mod.rs') else list(mod)[:-1]
            path=parent+segs
            # nested super::super
            while path and path[len(parent):len(parent)+1]==['super']:
                parent=parent[:-1]; path=parent+segs[1:]; segs=segs[1:]
        t=resolve(mod,path)
        if t and t!=rel: graph[rel].add(t)
    # `use round1::...` relative (2018 paths) inside mod.rs
    for m in re.finditer(r'^\s*(?:pub(?:\([a-z]+\))?\s+)?use\s+([a-z_][a-z0-9_]*)::',src,flags=re.M):
        seg=m.group(1)
        if seg in('crate','super','self','std','core','alloc'): continue
        here=list(mod) if rel.endswith(('mod.rs','lib.rs')) else list(mod)[:-1]
        t=resolve(mod,here+[seg]) if tuple(here+[seg]) in files else None
        if t and t!=rel: graph[rel].add(t)
# tarjan
idx={};low={};st=[];on=set();sccs=[];c=[0]
sys.setrecursionlimit(10000)
def sc(v):
    idx[v]=low[v]=c[0];c[0]+=1;st.append(v);on.add(v)
    for w in graph[v]:
        if w not in idx: sc(w);low[v]=min(low[v],low[w])
        elif w in on: low[v]=min(low[v],idx[w])
    if low[v]==idx[v]:
        comp=[]
        while True:
            w=st.pop();on.discard(w);comp.append(w)
            if w==v:break
        if len(comp)>1: sccs.append(sorted(comp))
for v in graph:
    if v not in idx: sc(v)
for s in sccs: print('CYCLE:',' '.join(s))
print('module cycles: %d in %d files' % (len(sccs), len(files)))
sys.exit(1 if sccs else 0)
