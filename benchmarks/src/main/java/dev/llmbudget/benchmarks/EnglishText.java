package dev.llmbudget.benchmarks;

import java.util.SplittableRandom;

/**
 * Deterministic English-like prose of a given size. Tokenizers are tuned to real text, so random
 * bytes would measure a worst case nobody sends; words drawn from a fixed list of common English
 * words, in sentences and paragraphs, tokenize like a real prompt (about 4-5 bytes a token).
 */
public final class EnglishText {

  private static final String[] WORDS = (
      "the of and to a in is that it for was on are as with his they at be this from have or by "
      + "one had not but what all were when we there can an your which their said if do will each "
      + "about how up out them then she many some so these would other into has more her two like "
      + "him see time could no make than first been its who now people my made over did down only "
      + "way find use may water long little very after words called just where most know get "
      + "through back much before go good new write our used me man too any day same right look "
      + "think also around another came come work three word must because does part even place "
      + "well such here take why things help put years different away again off went old number "
      + "great tell men say small every found still between name should home big give air line "
      + "set own under read last never us left end along while might next sound below saw "
      + "something thought both few those always looked show large often together asked house "
      + "world going want school important until form food keep children feet land side without "
      + "boy once animals life enough took sometimes four head above kind began almost live page "
      + "got earth need far hand high year mother light parts country father let night following "
      + "picture being study second eyes soon times story boys since white days ever paper hard "
      + "near sentence better best across during today others however sure means knew try told "
      + "young miles sun ways thing whole hear example heard several change answer room sea "
      + "against top turned learn point city play toward five using himself usually budget model "
      + "customer invoice summary request response service account report analysis").split(" ");

  private EnglishText() {}

  /** Exactly {@code bytes} bytes of ASCII prose (so as many chars), the same for the same size. */
  public static String ofBytes(int bytes) {
    SplittableRandom random = new SplittableRandom(42);
    StringBuilder text = new StringBuilder(bytes + 32);
    boolean sentenceStart = true;
    int wordsInSentence = 0;
    int sentencesInParagraph = 0;
    while (text.length() < bytes) {
      String word = WORDS[random.nextInt(WORDS.length)];
      if (sentenceStart) {
        text.append(Character.toUpperCase(word.charAt(0))).append(word, 1, word.length());
        sentenceStart = false;
      } else {
        text.append(word);
      }
      wordsInSentence++;
      if (wordsInSentence >= 6 && random.nextInt(8) == 0) {
        text.append(random.nextInt(6) == 0 ? "? " : ". ");
        sentenceStart = true;
        wordsInSentence = 0;
        if (++sentencesInParagraph >= 4 && random.nextInt(3) == 0) {
          text.setCharAt(text.length() - 1, '\n');
          text.append('\n');
          sentencesInParagraph = 0;
        }
      } else if (wordsInSentence >= 4 && random.nextInt(10) == 0) {
        text.append(", ");
      } else {
        text.append(' ');
      }
    }
    text.setLength(bytes);
    return text.toString();
  }
}
