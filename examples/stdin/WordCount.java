import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;

/** Counts the lines and words of stdin, like `wc -lw`. */
public class WordCount {
  public static void main(String[] args) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    long lines = 0;
    long words = 0;
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      lines++;
      String trimmed = line.trim();
      if (!trimmed.isEmpty()) words += trimmed.split("\\s+").length;
    }
    System.out.println(lines + " lines, " + words + " words");
  }
}
