"""The figures and word lists behind the demo population (`generate.py`).

Shares are those of Changchun's 7th census (2020), rounded; names, roads and workplaces are
made up from common words so that no real person or institution is implied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

REFERENCE_DATE = date(2020, 2, 1)
CITY = "2201"
CITY_AREA_CODE = "0431"
MAX_AGE = 104
# Persons per year of age within 5-year bands (0–4, 5–9, … 100–104).
AGE_BANDS = (3.0, 4.3, 4.6, 3.9, 5.6, 6.3, 8.0, 6.9, 6.3, 8.5, 9.9, 8.0,
             6.9, 5.9, 3.4, 2.2, 1.4, 0.7, 0.2, 0.05, 0.01)
# The city's county-level ID codes by population (10,000s); development zones use their
# districts' codes. 公主岭 (220184) and 九台 (220113) get their old codes by birth date.
LOCAL_CODES = {"220102": 62, "220103": 62, "220104": 66, "220105": 48, "220106": 63,
               "220112": 38, "220113": 67, "220122": 87, "220182": 99, "220183": 68,
               "220184": 86}
ZONE_DISTRICTS = {"220171": "220105", "220172": "220102", "220173": "220104",
                  "220174": "220106"}
LOCAL_BORN_SHARE = 0.6  # of local people, born in the district of the grid they live in
# Where the floating population comes from: the city's outer counties, Jilin's other
# prefectures, other provinces (by PROVINCE_WEIGHTS).
MIGRANT_ORIGINS = (("city", 0.35), ("jilin", 0.4), ("other", 0.25))
OUTER_COUNTIES = ("220112", "220113", "220122", "220182", "220183", "220184")
PROVINCE_WEIGHTS = {"23": 30, "21": 18, "15": 12, "37": 8, "13": 5, "41": 5, "14": 3,
                    "11": 2, "12": 2, "32": 2, "33": 2, "34": 2, "42": 2, "44": 2, "51": 2,
                    "43": 1, "61": 1, "62": 1, "65": 1, "35": 1, "36": 1, "45": 1, "50": 1}
# Surnames in groups of about equal frequency (per mille of each surname).
SURNAMES = (
    ("王李张", 70), ("刘", 55), ("陈", 40), ("杨赵", 30), ("孙", 25), ("黄周吴于", 20),
    ("徐高", 16), ("马郭朱胡林何", 11), ("韩宋郑梁罗董", 8), ("谢唐冯曹袁许邓程", 6),
    ("金崔沈吕彭苏卢蒋蔡贾丁魏薛叶姜范田任", 4),
    ("阎余潘杜戴夏钟汪石姚谭廖邹熊陆郝孔白康毛邱秦江史顾侯邵孟龙万段雷钱汤尹易常武乔贺龚文"
     "朴关付佟岳庞邢曲隋鲁", 2),
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "慕容")
COMPOUND_SHARE = 0.002
# Given-name characters by (male, era of birth: before 1960, 1960–1989, from 1990), and the
# share of one-character given names in each era.
GIVEN = {
    (True, 0): "国建华明军志文德福贵忠义庆海山林春成玉宝荣发祥树立兴振永洪",
    (True, 1): "伟强磊军勇涛斌鹏杰超明刚辉波宇峰亮东健龙飞洋志海俊新鑫",
    (True, 2): "浩宇子轩博文泽睿航铭俊杰昊然晨阳诺奕辰梓豪天佑锦宸瑞",
    (False, 0): "秀英桂兰凤芝玉珍淑华荣琴素梅翠霞金云芳贞香",
    (False, 1): "丽娜静敏燕艳娟红霞玲芳颖慧婷雪琳洁晶莉倩萍",
    (False, 2): "欣怡梓涵子萱雨彤可馨诗琪思佳紫嘉悦安梦瑶若晗",
}
ONE_CHARACTER_SHARE = (0.35, 0.3, 0.15)
# Uyghur names (two parts joined by a middle dot) for some people from Xinjiang (65).
UYGHUR_PROVINCE = "65"
UYGHUR_NAMES = ("阿卜杜拉", "艾买提", "买买提", "热合曼", "吐尔逊", "阿依古丽", "古丽娜",
                "努尔", "依明", "帕提古丽")
ROAD_WORDS = ("人民", "解放", "自由", "同志", "西安", "亚泰", "东盛", "南湖", "卫星", "临河",
              "普阳", "硅谷", "前进", "繁荣", "开运", "延安", "春城", "建设", "长青", "重庆")
ROAD_KINDS = ("大街", "路", "街")
COMPOUND_WORDS = ("阳光", "富苑", "锦绣", "华宇", "幸福", "明珠", "和平", "春晖", "金色",
                  "绿地", "丽水", "兴华", "翠湖", "松苑", "东方", "欧亚", "碧水", "怡景")
COMPOUND_KINDS = ("小区", "花园", "家园", "新城", "苑")
VILLAGE_WORDS = ("前进", "胜利", "红星", "太平", "永安", "三合", "东兴", "双井", "大房身",
                 "新立", "后岗", "腰屯")
DORM_NAMES = ("建筑工地职工宿舍", "物流园职工宿舍", "汽车零部件厂职工宿舍", "商贸城员工宿舍")
SCHOOL_NAMES = ("长青学院学生公寓", "春城职业技术学院学生公寓", "北湖大学学生公寓")
NURSING_HOME_NAMES = ("康乐养老院", "福寿老年公寓", "夕阳红敬老院")
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150",
                   "151", "152", "155", "156", "157", "158", "159", "166", "177", "180",
                   "181", "182", "183", "185", "186", "187", "188", "189", "199")
LOCAL_WORK = ("企业职工", "企业职工", "汽车厂职工", "公务员", "教师", "医务人员", "个体经营",
              "销售", "司机", "工程师", "自由职业", "无业", "服务员", "会计", "快递员")
MIGRANT_WORK = ("务工", "建筑工人", "快递员", "外卖骑手", "餐饮服务员", "个体经营", "保洁员",
                "保安", "销售", "司机")
# Family household kinds: (weight among family households, share of floating households).
# The weights give 2.34 persons a household and, with the collective households, the census'
# age shares; the floating shares give about 3.5 of 9.07 million people floating.
FAMILY_KINDS = {
    "single_elderly": (8.7, 0.05), "single_adult": (21.0, 0.65),
    "couple_elderly": (11.2, 0.05), "couple": (13.0, 0.5), "couple_child": (23.5, 0.45),
    "couple_children": (6.8, 0.45), "single_parent": (4.5, 0.35),
    "three_generations": (7.3, 0.3), "elder_with_child": (5.0, 0.08),
}
# Residence of floating households (常住, 暂住, 流动).
FLOATING_RESIDENCE = (("resident", 0.55), ("temporary", 0.3), ("floating", 0.15))
COLLECTIVE_SHARE = 0.024  # of households


@dataclass(frozen=True, slots=True)
class Collective:
    """A kind of collective household: who lives there, where they come from, what they do."""

    weight: float
    sizes: tuple[int, int]
    ages: tuple[int, int]
    male_share: float  # of households when single_sex (dormitory rooms), else of persons
    single_sex: bool
    migrant: bool
    residence: tuple[tuple[str, float], ...]
    names: tuple[str, ...]
    work: str


COLLECTIVE_KINDS = (
    Collective(0.55, (4, 10), (18, 55), 0.7, True, True,
               (("resident", 0.15), ("temporary", 0.5), ("floating", 0.35)), DORM_NAMES, ""),
    # Students whose hukou moved to their school's collective hukou are registered.
    Collective(0.3, (4, 8), (18, 24), 0.48, True, True,
               (("registered", 0.4), ("resident", 0.6)), SCHOOL_NAMES, "学生"),
    Collective(0.15, (8, 20), (70, MAX_AGE), 0.4, False, False, (("registered", 1.0),),
               NURSING_HOME_NAMES, "退休"),
)
EXTRA_MEMBER_SHARE = 0.02  # family households with a relative or helper (其他)
MALE_CHILD_SHARE = 0.515
LOW_INCOME_SHARE = 0.025  # of family households (低保/特困), more for the elderly alone
PREGNANT_SHARE = 0.03  # of women 20–44 in couples
LANDLINE_SHARE = 0.3  # of people over 75 without a mobile, in town


def rate_by_age(points: tuple[tuple[int, float], ...]) -> list[float]:
    """A rate for every age 0…MAX_AGE from (first age, rate) steps."""
    rates = []
    for age in range(MAX_AGE + 1):
        rates.append(next(rate for start, rate in reversed(points) if age >= start))
    return rates


MOBILE_RATE = rate_by_age(((0, 0.02), (12, 0.3), (15, 0.85), (18, 0.97), (70, 0.8),
                           (80, 0.55), (90, 0.3)))
DISABLED_RATE = rate_by_age(((0, 0.005), (15, 0.02), (60, 0.06), (80, 0.12)))
CHRONIC_RATE = rate_by_age(((0, 0.003), (15, 0.03), (45, 0.15), (60, 0.35), (75, 0.45)))
