package demo

import (
	"fmt"
	"math/rand/v2"
)

// Invented names. They sound like places in a Jiangsu county but name none:
// the demo county is synthetic and says so in the campaign row.
var townNames = []struct{ name, kind string }{
	{"东岳镇", "town"}, {"西湖街道", "subdistrict"}, {"南塘镇", "town"}, {"北渚镇", "town"},
	{"青云镇", "town"}, {"白鹭镇", "town"}, {"金桥镇", "town"}, {"银杏镇", "town"},
	{"桃源镇", "town"}, {"柳溪镇", "town"}, {"荷花镇", "town"}, {"石港镇", "town"},
	{"长泰镇", "town"}, {"永丰镇", "town"}, {"新河镇", "town"}, {"滨江园区", "park"},
}

var (
	villageFirst  = []rune("东西南北前后上下大小新老高低长双三五七九红青白黄金银石沙桥河湾港塘庄圩埭垛舍")
	villageSecond = []rune("河湖桥庄楼港园林山泉坝湾墩圩埭垛店集营田家湖荡沟溪洲堡寨")
	surnames      = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	givenChars    = []rune("国建华明芳秀英兰玉珍文军平红霞志强伟春梅海燕云刚桂金荣德永林成祥福生凤琴")
	projectWords  = []string{"纺织", "机械", "电子", "新材料", "农产品加工", "生物医药", "物流", "光伏", "船舶配件", "食品"}
)

// villageNamer hands out unique village names.
type villageNamer struct {
	rng  *rand.Rand
	used map[string]bool
}

func (n *villageNamer) next(community bool) string {
	suffix := "村"
	if community {
		suffix = "社区"
	}
	for try := 0; ; try++ {
		name := string(villageFirst[n.rng.IntN(len(villageFirst))]) + string(villageSecond[n.rng.IntN(len(villageSecond))]) + suffix
		if try > 20 {
			name = fmt.Sprintf("%s%d%s", name[:len(name)-len(suffix)], try, suffix)
		}
		if !n.used[name] {
			n.used[name] = true
			return name
		}
	}
}

func personName(rng *rand.Rand) string {
	name := string(surnames[rng.IntN(len(surnames))]) + string(givenChars[rng.IntN(len(givenChars))])
	if rng.IntN(3) > 0 {
		name += string(givenChars[rng.IntN(len(givenChars))])
	}
	return name
}
