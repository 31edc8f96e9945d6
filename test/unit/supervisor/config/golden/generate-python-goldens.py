# Regenerates python-goldens.json: what Python 3.11 and supervisord 4.2.5 (Debian) make of tricky
# format strings, command lines, environment values and INI texts. Run: /usr/bin/python3 generate-python-goldens.py
import json, shlex, configparser, sys
sys.path.insert(0,'/usr/lib/python3/dist-packages')
from supervisor.datatypes import dict_of_key_value_pairs
out={}
fmt_cases=["plain","%%","a%%b","%(here)s/x","%(process_num)02d","%(process_num)d-%(program_name)s","%(process_num)5d|","%(process_num)-5d|","%(process_num)x","%(process_num)#x","%(process_num)o","%(process_num).3d","%(program_name).2s","%(program_name)r","%(program_name)10s|","%(program_name)-10s|","%(process_num)f","%(process_num).2e","%(process_num)g","%(process_num)+d","%(process_num) d","%(num)g","%(big)g","%(big)e","%(here)d","%(nope)s","%","50%","%q","%(process_num)c","%(program_name)c","%(quote)r","%(a(b))s"]
exp={'here':'/etc/sv','process_num':7,'program_name':'cat','num':0.0001234,'big':123456789,'quote':"it's","a(b)":'nested'}
res=[]
for c in fmt_cases:
    try: res.append([c, c % exp])
    except KeyError as e: res.append([c, {'missing': str(e)}])
    except Exception as e: res.append([c, {'error': type(e).__name__+': '+str(e)}])
out['format']=res
split_cases=['a b c','"a b" c',"'a b' c",'a\\ b','"a\\"b"',"'a\\'",'"a\\b"','a"b c"d',"''",'"" x','  lead  trail  ','a\tb\nc','x #y','"unterminated','trailing\\','a\\\\b','"a\\\\b"',"mix'ed\"q\"'",'/bin/sh -c "echo hi; sleep 1"']
res=[]
for c in split_cases:
    try: res.append([c, shlex.split(c)])
    except Exception as e: res.append([c, {'error': str(e)}])
out['split']=res
env_cases=['A=1','A=1,B=2','A="a b",B=\'c,d\'','A=a=b','A="a=b"','A=x y','A=/usr/bin:/bin','A=1.5-2+3(x)','A="it\'s"',"A='say \"hi\"'",'A=""','A=,B=2','A=1,,B=2','A=1 B=2','A=b#c,D=1','A="x#y"','A=@','A="@"','A = 1 , B = 2','A=1,\nB=2','A="a',"A='\"q\"'","A=a\"b c\"d",'K_1=v1,k2=V2','A=1,B','é=1','A=ü']
res=[]
for c in env_cases:
    try: res.append([c, dict_of_key_value_pairs(c)])
    except Exception as e: res.append([c, {'error': str(e)}])
out['env']=res
ini_cases={
 'comments':"[s]\na=1 ; c\nb=2;c\nc=x # y\nd=x#y\n; full\n# full\ne = spaced \nF=upper\ng: colon\nh=a=b\ni:j=k\n",
 'continuation':"[s]\na=line1\n  line2\n\n  line3\nb=x\n\n\nc=y\n  ; comment cont\n  more\nd=\n  only\n",
 'indented':"[s]\n  a=1\n  b=2\n    cont\nc=3\n",
 'sections':"[s]\na=1\n[t] ; comment\nb=2\n[s]\na=3\nc=4\n[u]v]\nw=1\n[x] trailing\ny=1\n",
 'default':"[DEFAULT]\nd=dv\n[s]\na=1\n[t]\nd=own\n",
 'crlf':"[s]\r\na=1\r\nb=2\r\n",
 'emptyval':"[s]\na=\nb =   \n",
 'errors':"[s]\ngarbage\na=1\n=novalue\n",
 'noheader':"a=1\n[s]\n",
 'bom':"\ufeff[s]\na=1\n",
}
res={}
for k,text in ini_cases.items():
    p=configparser.RawConfigParser(inline_comment_prefixes=(';','#'),strict=False)
    try:
        p.read_string(text,'f.ini')
        res[k]=[text,{s:dict(p.items(s)) for s in p.sections()}]
    except Exception as e:
        res[k]=[text,{'error':type(e).__name__+': '+str(e)}]
out['ini']=res
json.dump(out,open(sys.argv[1] if len(sys.argv) > 1 else 'python-goldens.json','w'),indent=1,ensure_ascii=False)
