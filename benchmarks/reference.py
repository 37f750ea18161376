"""Independent Python transcriptions of benchmarks whose answers the Smalltalk suite checks.

Run it to reproduce the expected values written in benchmarks/suite/*.st."""
import math
class Rnd:
    def __init__(s): s.seed=74755
    def next(s):
        s.seed=((s.seed*1309)+13849)&65535; return s.seed
# permute
count=0; v=[0]*6
def permute(n):
    global count
    count+=1
    if n!=0:
        permute(n-1)
        for i in range(n,0,-1):
            v[n-1],v[i-1]=v[i-1],v[n-1]; permute(n-1); v[n-1],v[i-1]=v[i-1],v[n-1]
permute(6); print('permute',count)
# bounce
r=Rnd(); balls=[]
for i in range(100):
    balls.append([r.next()%500, r.next()%500, (r.next()%300)-150, (r.next()%300)-150])
b=0
for i in range(50):
    for ball in balls:
        bounced=False
        ball[0]+=ball[2]; ball[1]+=ball[3]
        if ball[0]>500: ball[0]=500; ball[2]=-abs(ball[2]); bounced=True
        if ball[0]<0: ball[0]=0; ball[2]=abs(ball[2]); bounced=True
        if ball[1]>500: ball[1]=500; ball[3]=-abs(ball[3]); bounced=True
        if ball[1]<0: ball[1]=0; ball[3]=abs(ball[3]); bounced=True
        if bounced: b+=1
print('bounce',b)
def mandel(size):
    s=0; acc=0; bit=0
    for y in range(size):
        ci=(2.0*y/size)-1.0
        for x in range(size):
            zrzr=zi=zizi=0.0; cr=(2.0*x/size)-1.5
            z=0; notdone=True; esc=0
            while notdone and z<50:
                zr=zrzr-zizi+cr
                zi=2.0*zr*zi+ci
                zrzr=zr*zr; zizi=zi*zi
                if zrzr+zizi>4.0: notdone=False; esc=1
                z+=1
            acc=(acc<<1)+esc; bit+=1
            if bit==8: s^=acc; acc=0; bit=0
            elif x==size-1:
                acc<<=(8-bit); s^=acc; acc=0; bit=0
    return s
for n in (1,50,100,200,500): print('mandel',n,mandel(n))
PI=3.141592653589793; SM=4.0*PI*PI; DPY=365.24
def body(x,y,z,vx,vy,vz,m): return [x,y,z,vx*DPY,vy*DPY,vz*DPY,m*SM]
def system():
    bs=[body(0.0,0.0,0.0,0.0,0.0,0.0,1.0),
    body(4.84143144246472090,-1.16032004402742839,-0.103622044471123109,0.00166007664274403694,0.00769901118419740425,-0.0000690460016972063023,0.000954791938424326609),
    body(8.34336671824457987,4.12479856412430479,-0.403523417114321381,-0.00276742510726862411,0.00499852801234917238,0.0000230417297573763929,0.000285885980666130812),
    body(12.8943695621391310,-15.1111514016986312,-0.223307578892655734,0.00296460137564761618,0.00237847173959480950,-0.0000296589568540237556,0.0000436624404335156298),
    body(15.3796971148509165,-25.9193146099879641,0.179258772950371181,0.00268067772490389322,0.00162824170038242295,-0.0000951592254519715870,0.0000515138902046611451)]
    px=py=pz=0.0
    for b in bs: px+=b[3]*b[6]; py+=b[4]*b[6]; pz+=b[5]*b[6]
    bs[0][3]=0.0-(px/SM); bs[0][4]=0.0-(py/SM); bs[0][5]=0.0-(pz/SM)
    return bs
def advance(bs,dt):
    n=len(bs)
    for i in range(n):
        a=bs[i]
        for j in range(i+1,n):
            b=bs[j]
            dx=a[0]-b[0]; dy=a[1]-b[1]; dz=a[2]-b[2]
            d2=dx*dx+dy*dy+dz*dz
            dist=math.sqrt(d2)
            mag=dt/(d2*dist)
            a[3]=a[3]-(dx*b[6]*mag); a[4]=a[4]-(dy*b[6]*mag); a[5]=a[5]-(dz*b[6]*mag)
            b[3]=b[3]+(dx*a[6]*mag); b[4]=b[4]+(dy*a[6]*mag); b[5]=b[5]+(dz*a[6]*mag)
    for b in bs:
        b[0]=b[0]+(dt*b[3]); b[1]=b[1]+(dt*b[4]); b[2]=b[2]+(dt*b[5])
def energy(bs):
    e=0.0; n=len(bs)
    for i in range(n):
        a=bs[i]
        e=e+(0.5*a[6]*((a[3]*a[3])+(a[4]*a[4])+(a[5]*a[5])))
        for j in range(i+1,n):
            b=bs[j]
            dx=a[0]-b[0]; dy=a[1]-b[1]; dz=a[2]-b[2]
            dist=math.sqrt(dx*dx+dy*dy+dz*dz)
            e=e-((a[6]*b[6])/dist)
    return e
for n in (1,1000,10000):
    bs=system()
    for i in range(n): advance(bs,0.01)
    print(n, repr(energy(bs)))


# --- Richards (operating-system simulation): queue count and hold count --------------------
class Packet:
    def __init__(self, link, ident, kind):
        self.link, self.id, self.kind, self.a1, self.a2 = link, ident, kind, 0, [0] * 4

    def add_to(self, queue):
        self.link = None
        if queue is None:
            return self
        last = queue
        while last.link is not None:
            last = last.link
        last.link = self
        return queue


class Tcb:
    def __init__(self, link, ident, prio, queue, task):
        self.link, self.id, self.prio, self.queue, self.task = link, ident, prio, queue, task
        self.state = 3 if queue is not None else 2

    def held_or_suspended(self):
        return (self.state & 4) != 0 or self.state == 2

    def run(self):
        if self.state == 3:
            packet = self.queue
            self.queue = packet.link
            self.state = 0 if self.queue is None else 1
        else:
            packet = None
        return self.task(packet)

    def check_priority_add(self, task, packet):
        if self.queue is None:
            self.queue = packet
            self.state |= 1
            if self.prio > task.prio:
                return self
        else:
            self.queue = packet.add_to(self.queue)
        return task


def richards():
    s = {"blocks": [None] * 7, "list": None, "cur": None, "cur_id": 0, "qc": 0, "hc": 0}

    def add(ident, prio, queue, task):
        s["cur"] = Tcb(s["list"], ident, prio, queue, task)
        s["list"] = s["cur"]
        s["blocks"][ident] = s["cur"]

    def release(ident):
        t = s["blocks"][ident]
        if t is None:
            return t
        t.state &= ~4
        return t if t.prio > s["cur"].prio else s["cur"]

    def hold():
        s["hc"] += 1
        s["cur"].state |= 4
        return s["cur"].link

    def suspend():
        s["cur"].state |= 2
        return s["cur"]

    def queue(packet):
        t = s["blocks"][packet.id]
        if t is None:
            return t
        s["qc"] += 1
        packet.link = None
        packet.id = s["cur_id"]
        return t.check_priority_add(s["cur"], packet)

    idle = {"v1": 1, "count": 10000}

    def idle_task(packet):
        idle["count"] -= 1
        if idle["count"] == 0:
            return hold()
        if idle["v1"] & 1 == 0:
            idle["v1"] >>= 1
            return release(5)
        idle["v1"] = (idle["v1"] >> 1) ^ 0xD008
        return release(6)

    def device():
        st = {"v1": None}

        def run(packet):
            if packet is None:
                if st["v1"] is None:
                    return suspend()
                v, st["v1"] = st["v1"], None
                return queue(v)
            st["v1"] = packet
            return hold()
        return run

    work = {"v1": 3, "v2": 0}

    def worker(packet):
        if packet is None:
            return suspend()
        work["v1"] = 4 if work["v1"] == 3 else 3
        packet.id, packet.a1 = work["v1"], 0
        for i in range(4):
            work["v2"] += 1
            if work["v2"] > 26:
                work["v2"] = 1
            packet.a2[i] = work["v2"]
        return queue(packet)

    def handler():
        st = {"v1": None, "v2": None}

        def run(packet):
            if packet is not None:
                if packet.kind == 1:
                    st["v1"] = packet.add_to(st["v1"])
                else:
                    st["v2"] = packet.add_to(st["v2"])
            if st["v1"] is not None:
                count = st["v1"].a1
                if count < 4:
                    if st["v2"] is not None:
                        v = st["v2"]
                        st["v2"] = v.link
                        v.a1 = st["v1"].a2[count]
                        st["v1"].a1 = count + 1
                        return queue(v)
                else:
                    v = st["v1"]
                    st["v1"] = v.link
                    return queue(v)
            return suspend()
        return run

    add(1, 0, None, idle_task)
    s["cur"].state = 0
    q = Packet(Packet(None, 2, 1), 2, 1)
    add(2, 1000, q, worker)
    q = Packet(Packet(Packet(None, 5, 0), 5, 0), 5, 0)
    add(3, 2000, q, handler())
    q = Packet(Packet(Packet(None, 6, 0), 6, 0), 6, 0)
    add(4, 3000, q, handler())
    add(5, 4000, None, device())
    add(6, 5000, None, device())
    s["cur"] = s["list"]
    while s["cur"] is not None:
        if s["cur"].held_or_suspended():
            s["cur"] = s["cur"].link
        else:
            s["cur_id"] = s["cur"].id
            s["cur"] = s["cur"].run()
    return s["qc"], s["hc"]


print("richards", richards())
