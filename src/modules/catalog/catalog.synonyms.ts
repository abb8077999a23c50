// Citizens' words → the catalogue's words. People search for what they want to do (开饭店, 生孩子,
// 办狗证), the catalogue names what the government does (食品经营许可, 出生医学证明, 犬只登记).
// Each entry: the phrases people type, and the names (or parts of names) they mean, best first.
// A query containing a phrase is expanded with the preferred names, and results whose name holds
// one of them rank higher, the first most. Data, not code: extend it as the hotline hears new ways
// of asking.

export interface Synonym {
  phrases: readonly string[];
  prefer: readonly string[];
}

export const SYNONYMS: readonly Synonym[] = [
  { phrases: ['开饭店', '开餐馆', '开饭馆', '开餐厅', '开小吃店', '开奶茶店', '开面馆', '饭店', '餐馆', '餐厅', '饭馆', '餐饮', '小吃店', '大排档'], prefer: ['开餐馆一件事', '食品经营许可', '个体工商户设立登记', '公共场所卫生许可'] },
  { phrases: ['营业执照', '办执照', '执照', '个体户', '开店', '开铺', '开小店', '做生意', '摆摊'], prefer: ['个体工商户设立登记', '个体工商户'] },
  { phrases: ['低保', '低保户', '吃低保', '生活困难补助', '低保金'], prefer: ['最低生活保障'] },
  { phrases: ['退休', '办退休', '退休手续', '领养老金', '养老金', '退休金', '社保退休'], prefer: ['退休一件事', '养老保险待遇', '退休'] },
  { phrases: ['上学', '入学', '读书', '上小学', '上初中', '小升初', '报名上学', '学位', '招生'], prefer: ['义务教育', '入学'] },
  { phrases: ['生孩子', '生小孩', '生宝宝', '生娃', '新生儿', '宝宝出生', '小孩出生', '出生证', '坐月子'], prefer: ['出生一件事', '出生医学证明', '新生儿', '出生'] },
  { phrases: ['上户口', '报户口', '入户', '落户'], prefer: ['落户', '户口'] },
  { phrases: ['居住证', '暂住证', '外地人', '办居住证', '积分入学'], prefer: ['居住证'] },
  { phrases: ['狗证', '办狗证', '养狗', '养犬', '宠物狗', '遛狗'], prefer: ['犬只', '养犬'] },
  { phrases: ['残疾证', '残疾人', '办残疾证', '伤残'], prefer: ['残疾人证'] },
  { phrases: ['公积金', '提公积金', '取公积金', '公积金提取', '住房公积金'], prefer: ['住房公积金'] },
  { phrases: ['二手房', '买房', '卖房', '过户', '房产过户', '房产证', '房本'], prefer: ['二手房', '不动产'] },
  { phrases: ['失业金', '失业', '失业补助', '领失业金', '被裁员', '下岗'], prefer: ['失业保险金'] },
  { phrases: ['灵活就业', '打零工', '自由职业', '自己交社保', '个人交社保', '跑外卖', '网约车司机'], prefer: ['灵活就业'] },
  { phrases: ['招牌', '门头', '广告牌', '店招', '挂招牌', '广告'], prefer: ['户外招牌', '户外广告'] },
  { phrases: ['挖路', '道路开挖', '占道', '占用道路', '路面施工', '挖掘道路'], prefer: ['占道', '挖掘'] },
  { phrases: ['排水', '污水接驳', '接排水', '排污', '下水道接入'], prefer: ['排水'] },
  { phrases: ['开药店', '药店', '药房', '卖药'], prefer: ['药品零售'] },
  { phrases: ['开诊所', '诊所', '门诊部', '医务室'], prefer: ['医疗机构执业登记'] },
  { phrases: ['理发店', '美容院', '美发', '宾馆', '旅馆', '酒店', '游泳馆', '足浴', '卫生许可证'], prefer: ['公共场所卫生许可'] },
  { phrases: ['电梯', '锅炉', '压力容器', '叉车'], prefer: ['特种设备使用登记'] },
  { phrases: ['货车', '拉货', '货运', '运输公司', '营运证'], prefer: ['道路货物运输经营许可', '道路运输'] },
  { phrases: ['煤气', '燃气', '液化气', '煤气罐', '天然气'], prefer: ['燃气经营许可'] },
  { phrases: ['老人补贴', '高龄补贴', '老人津贴', '长寿金', '高龄老人', '八十岁'], prefer: ['高龄津贴'] },
  { phrases: ['临时困难', '救急', '急难', '突发困难', '生活救助'], prefer: ['临时救助'] },
  { phrases: ['消防检查', '消防验收', '开业消防', '消防许可'], prefer: ['公众聚集场所投入使用', '消防安全检查'] },
  { phrases: ['盖房', '建房', '报建', '规划许可证', '工程规划'], prefer: ['建设工程规划许可'] },
  { phrases: ['医保', '医疗保险'], prefer: ['医疗保险'] },
];

/** Words the segmenter must keep whole: citizens' phrases plus a few domain terms jieba splits. */
export const CATALOG_WORDS: readonly string[] = [
  ...new Set([
    ...SYNONYMS.flatMap((s) => s.phrases),
    '一件事', '低保', '居住证', '犬只', '公积金', '出生医学证明', '个体工商户', '食品经营', '卫生许可', '规划许可',
    '排水许可', '特种设备', '药品零售', '养老保险', '失业保险金', '灵活就业', '临时救助', '高龄津贴', '残疾人证',
    '不动产', '户外招牌', '户外广告', '占道', '燃气经营', '道路运输', '义务教育', '新生儿', '落户',
  ]),
];
